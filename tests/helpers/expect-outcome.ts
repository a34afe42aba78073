// The error contract in one assertion: status, JSON body {"error":{code,message,request_id}}
// exactly (so no stack trace or guest detail can hide in it), and the id in x-request-id.
import { expect } from "bun:test";
import { OUTCOMES, type Outcome } from "../../runner/outcome";

export async function expectOutcome(res: Response, code: Outcome): Promise<string> {
  const text = await res.text();
  expect({ status: res.status, body: text }).toEqual({ status: OUTCOMES[code].status, body: expect.any(String) });
  expect(res.headers.get("content-type")).toBe("application/json");
  const requestId = res.headers.get("x-request-id");
  expect(requestId).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
  expect(JSON.parse(text)).toEqual({ error: { code, message: OUTCOMES[code].message, request_id: requestId } });
  return requestId as string;
}
