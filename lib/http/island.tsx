/**
 * Renders an island on the server inside a marker element with its serialized props; `client.ts` finds the
 * markers and hydrates them. Explicit rather than detected, so a page shows which parts are interactive.
 */
import type { ComponentType } from "preact";

export function Island<P extends Record<string, unknown>>(
  { of: Component, name, props }: { of: ComponentType<P>; name: string; props: P },
) {
  return (
    <div data-island={name} data-props={JSON.stringify(props)}>
      <Component {...props} />
    </div>
  );
}
