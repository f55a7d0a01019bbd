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

-- Which devices uploaded the bytes of a photo. A visit's photo counts as received, is served, and is compared with
-- other visits only when the visit's own author device uploaded it: naming someone else's hash proves nothing.
CREATE TABLE photo_uploaders (
    sha256 TEXT NOT NULL,
    device_id TEXT NOT NULL,
    user_id TEXT,
    uploaded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, device_id)
);
INSERT INTO photo_uploaders (sha256, device_id, user_id, uploaded_at)
SELECT sha256, device_id, user_id, received_at FROM photos WHERE device_id IS NOT NULL;
