// TypeBox only checks a `format` it knows. Elysia registers the common ones for the control
// plane; the runner checks the same schemas without Elysia, so the formats the contract uses are
// registered here too (only when absent, so Elysia's own stay in place).
import { FormatRegistry } from "@sinclair/typebox";

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

if (!FormatRegistry.Has("date-time"))
  FormatRegistry.Set("date-time", (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
