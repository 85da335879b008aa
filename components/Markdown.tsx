/**
 * Markdown from model output and posted summaries, rendered as Preact elements from `marked`'s tokens — never
 * as an HTML string — so nothing in the text can become markup: raw HTML shows as text, images as their link,
 * and a link keeps its `href` only for http(s), mailto and same-site paths (no `javascript:` or `data:`).
 * Used on the server and inside islands (it imports nothing server-only).
 */
import type { ComponentChildren, JSX } from "preact";
import { Lexer, type Token, type Tokens } from "marked";

const SAFE_HREF = /^(https?:\/\/|mailto:|\/(?![\/\\])|#)/i;

/** The `href` a link may keep, or null when it must render as plain text. */
export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  // Browsers drop tabs and newlines inside a URL and read `\` as `/`: `/\evil.example` and `/<tab>/evil.example`
  // are `//evil.example`, another site.
  if (/[\t\n\r]/.test(trimmed)) return null;
  return SAFE_HREF.test(trimmed) ? trimmed : null;
}

/** Text that marked left HTML-escaped (`&amp;`, `&lt;`…), back to characters; Preact escapes it again. */
function unescape(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, name: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[name]!,
  );
}

function inline(tokens: Token[] | undefined): ComponentChildren {
  return (tokens ?? []).map((token) => renderInline(token));
}

function renderInline(token: Token): ComponentChildren {
  switch (token.type) {
    case "strong":
      return <strong>{inline((token as Tokens.Strong).tokens)}</strong>;
    case "em":
      return <em>{inline((token as Tokens.Em).tokens)}</em>;
    case "del":
      return <del>{inline((token as Tokens.Del).tokens)}</del>;
    case "codespan":
      return <code>{unescape((token as Tokens.Codespan).text)}</code>;
    case "br":
      return <br />;
    case "link": {
      const link = token as Tokens.Link;
      const href = safeHref(link.href);
      if (href === null) return <span>{inline(link.tokens)}</span>;
      return <a href={href} rel="nofollow noopener noreferrer">{inline(link.tokens)}</a>;
    }
    case "image": {
      // Images would load from anywhere the model names; show the text and the address instead.
      const image = token as Tokens.Image;
      return <span>{image.text ? `${image.text} ` : ""}({image.href})</span>;
    }
    case "text": {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens) : unescape(text.text);
    }
    default:
      // `html`, `escape` and anything newer: its source, as text.
      return "text" in token && typeof token.text === "string" ? unescape(token.text) : token.raw;
  }
}

function renderBlock(token: Token): JSX.Element | string | null {
  switch (token.type) {
    case "space":
    case "def":
      return null;
    case "paragraph":
      return <p>{inline((token as Tokens.Paragraph).tokens)}</p>;
    case "heading": {
      // Headings inside a finding stay small: the page's own headings keep the outline.
      return <p class="md-heading">{inline((token as Tokens.Heading).tokens)}</p>;
    }
    case "code":
      return (
        <pre>
          <code>{(token as Tokens.Code).text}</code>
        </pre>
      );
    case "blockquote":
      return <blockquote>{(token as Tokens.Blockquote).tokens.map(renderBlock)}</blockquote>;
    case "list": {
      const list = token as Tokens.List;
      const items = list.items.map((item, index) => <li key={index}>{item.tokens.map(renderListChild)}</li>);
      return list.ordered ? <ol start={Number(list.start) || 1}>{items}</ol> : <ul>{items}</ul>;
    }
    case "table": {
      const table = token as Tokens.Table;
      return (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>{table.header.map((cell, index) => <th key={index}>{inline(cell.tokens)}</th>)}</tr>
            </thead>
            <tbody>
              {table.rows.map((row, rowIndex) => (
                <tr key={rowIndex}>{row.map((cell, index) => <td key={index}>{inline(cell.tokens)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case "hr":
      return <hr />;
    case "text": {
      const text = token as Tokens.Text;
      return <p>{text.tokens ? inline(text.tokens) : unescape(text.text)}</p>;
    }
    default:
      return <p>{token.raw}</p>;
  }
}

/** A tight list item holds bare text tokens; render those inline, anything else as blocks. */
function renderListChild(token: Token): ComponentChildren {
  if (token.type === "text") return inline((token as Tokens.Text).tokens) ?? (token as Tokens.Text).text;
  return renderBlock(token);
}

export function Markdown({ text, class: className }: { text: string; class?: string }) {
  const tokens = new Lexer({ gfm: true }).lex(text);
  return <div class={className ? `markdown ${className}` : "markdown"}>{tokens.map(renderBlock)}</div>;
}
