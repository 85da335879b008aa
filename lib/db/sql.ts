/**
 * The `sql` tagged template: values are never concatenated into SQL text; each adapter renders placeholders for
 * its dialect (`$1` for PostgreSQL, `?` for SQLite). A nested `sql` fragment is spliced in with its own values.
 */

export type SqlDialect = "sqlite" | "postgres";

export class SqlStatement {
  constructor(readonly strings: readonly string[], readonly values: readonly unknown[]) {}

  /** Renders the statement for `dialect` with flattened fragments and numbered placeholders. */
  render(dialect: SqlDialect): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.#renderInto(dialect, values);
    return { text, values };
  }

  #renderInto(dialect: SqlDialect, values: unknown[]): string {
    let text = this.strings[0] ?? "";
    for (let index = 0; index < this.values.length; index++) {
      const value = this.values[index];
      if (value instanceof SqlStatement) {
        text += value.#renderInto(dialect, values);
      } else {
        values.push(value);
        text += dialect === "postgres" ? `$${values.length}` : "?";
      }
      text += this.strings[index + 1] ?? "";
    }
    return text;
  }
}

/**
 * Builds a parameterised statement.
 * @example
 * ```ts
 * const rows = await db.query(sql`select * from repos where id = ${id}`);
 * ```
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlStatement {
  return new SqlStatement(strings, values);
}

/** Trusted SQL text (identifiers, keywords chosen by code), never user input. */
export function rawSql(text: string): SqlStatement {
  return new SqlStatement([text], []);
}

/** Joins fragments or values with `separator` (`sql`\`, \`` by default), for `in (…)` lists and dynamic filters. */
export function joinSql(parts: readonly unknown[], separator = ", "): SqlStatement {
  if (parts.length === 0) return rawSql("");
  const strings = ["", ...Array.from({ length: parts.length - 1 }, () => separator), ""];
  return new SqlStatement(strings, parts);
}
