// Request and response schemas of the secret routes. The value has a schema only for the
// request (never an example, never a response): no route answers it.
import { Type } from "@sinclair/typebox";
import { FunctionIdParam, SECRET_LIMITS, SecretInfo, SecretKey, SecretList } from "../../core/contract";

export { SecretInfo, SecretList };

export const SecretParams = Type.Object({ id: FunctionIdParam, key: SecretKey });
export const SecretListParams = Type.Object({ id: FunctionIdParam });
const NameParam = Type.String({ maxLength: 64, description: "Function name" });
export const NamedSecretParams = Type.Object({ name: NameParam, key: SecretKey });
export const NamedSecretListParams = Type.Object({ name: NameParam });

/** PUT's body as JSON; any other content type is the value itself. */
export const SecretValueBody = Type.Object(
  {
    value: Type.String({
      maxLength: SECRET_LIMITS.valueChars,
      description: `The secret's value: at most ${SECRET_LIMITS.valueChars} characters`,
    }),
  },
  { additionalProperties: false },
);

export const SECRET_REQUEST_BODY = {
  required: true,
  description:
    'The value: JSON `{"value": "..."}` with `Content-Type: application/json`, or the raw value (UTF-8) with any other type, as sent (a trailing newline is part of it)',
  content: {
    "application/json": { schema: SecretValueBody },
    "text/plain": { schema: Type.String({ maxLength: SECRET_LIMITS.valueChars }) },
  },
};
