const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function addDays(date: Date, days: number): Date {
  const copy = new Date(date.getTime());
  copy.setUTCDate(copy.getUTCDate() + days);
  return copy;
}

export function startOfDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** A `YYYY-MM-DD` date at midnight UTC, or null when the text is not one (it never throws). */
export function parseIsoDate(text: string | undefined): Date | null {
  if (text === undefined || !ISO_DATE.test(text)) return null;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}
