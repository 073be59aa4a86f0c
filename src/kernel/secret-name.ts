/**
 * Secret names as templates and `secretEnv` write them (`{{ secrets.payments-token }}`): letters,
 * digits, `_` and `-`, so a name never needs quoting inside a template. Unique ignoring case.
 */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;

export const SECRET_NAME_RULE = 'expected 1–100 letters, digits, "_" or "-" (not starting with "-")';
