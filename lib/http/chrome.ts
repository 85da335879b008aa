/**
 * The page chrome: what a page's header shows about the signed-in user. Built by the dashboard's routes
 * (`chromeFor` in `lib/dashboard/route.tsx`), passed through `renderHtml` and drawn by `lib/http/layout.tsx`;
 * a word of the web layer, so the dashboard's routes need not import a component to name it.
 */

/** What the header needs to know about the signed-in user; absent on public pages. */
export interface Chrome {
  active: string;
  userName: string;
  organizationName: string;
  csrfToken: string;
  organizations: { id: number; name: string }[];
  organizationId: number;
}
