/**
 * A generated API response type without its `Record<string, unknown>` index signatures, at every depth, so a field
 * name the type does not know is refused instead of being accepted as "anything else" (gitbeaker's schemas and
 * Bitbucket's OpenAPI types both allow extra keys).
 */
export type Strict<T> = T extends readonly (infer U)[] ? Strict<U>[]
  : T extends object ? {
      -readonly [K in keyof T as string extends K ? never : number extends K ? never : K]: Strict<T[K]>;
    }
  : T;
