-- Streamed bulk import (issue 4): the Idempotency-Key of an upload is kept on
-- its imports row, written in the transaction that stores the upload, so a
-- retry finds the import it already made even after a crash between commit
-- and response.

-- +goose Up
ALTER TABLE imports
    ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- request_hash is SHA-256 of the import's options and every byte of the
    -- upload: a retry with the same key and another file is refused.
    ADD COLUMN request_hash bytea;
CREATE UNIQUE INDEX imports_idempotency_key ON imports (api_key_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX imports_idempotency_key;
ALTER TABLE imports DROP COLUMN idempotency_key, DROP COLUMN request_hash;
