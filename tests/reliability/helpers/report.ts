// Each scenario reports what it tried, how much, and what was lost. The line is printed, and
// appended as JSON to $RELIABILITY_REPORT when tests/reliability/run.ts collects the table.
import { appendFileSync } from "node:fs";

export interface Figures {
  scenario: string;
  tried: string;
  amount: string;
  lost: string;
}

export function report(figures: Figures): void {
  console.log(`[reliability] ${figures.scenario}: ${figures.tried} | ${figures.amount} | lost: ${figures.lost}`);
  const file = process.env.RELIABILITY_REPORT;
  if (file) appendFileSync(file, JSON.stringify(figures) + "\n");
}

/** 12345 -> "12,345" */
export const n = (value: number): string => Math.round(value).toLocaleString("en-US");
