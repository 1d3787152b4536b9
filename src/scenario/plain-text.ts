/**
 * User text (a scenario or phase name, a description, a source) as it may enter a report: control
 * characters (C0 with newlines and tabs, DEL, C1: ESC sequences, NUL, carriage returns), the line and
 * paragraph separators (U+2028/9, which end a Markdown table row), and bidi marks, overrides and isolates
 * replaced by a space. The one helper every report uses before its own escaping
 * (Markdown: report.ts mdText; HTML: html.ts escapeHtml), so no raw control character from a file
 * reaches a written report, a title or an attribute.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g;

export const plainText = (text: string): string => text.replace(CONTROLS, ' ');
