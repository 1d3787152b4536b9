/** The fields every validation case carries: what it is, where it is published, and how close it must stay. */
import { z } from 'zod';

export const citedCaseFields = {
  id: z.string().min(1),
  title: z.string().min(1),
  source: z.string().min(1),
  locator: z.string().min(1),
  published: z.number().positive(),
  /** Largest |predicted / published − 1| before CI fails (above 1 only for an overprediction beyond 2×). */
  tolerance: z.number().positive().max(2),
  /** `calibration` cases set a constant and are excluded from error statistics. */
  role: z.enum(['validation', 'calibration']),
  note: z.string().min(1),
};

/** The validation reports' closing section: each case's note, as Markdown lines. */
export function caseNotesMarkdown(
  results: readonly { readonly case: { readonly id: string; readonly note: string } }[],
): string[] {
  return ['## Notes per case', '', ...results.map((r) => `- **${r.case.id}**: ${r.case.note}`), ''];
}
