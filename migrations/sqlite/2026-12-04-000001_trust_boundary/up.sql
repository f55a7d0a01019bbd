-- Failed logins counted per account and client address, so that guesses from one address lock that address out of
-- the account, not the account's owner everywhere.
CREATE TABLE login_failures (
    user_id TEXT NOT NULL REFERENCES users (id),
    address TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, address)
);
