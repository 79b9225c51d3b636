-- Requests per client address and route class in the current one-minute window, shared by
-- every replica: `window_start` is the window's first millisecond, `requests` its count.
CREATE TABLE request_windows (
    class        TEXT NOT NULL,
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    requests     BIGINT NOT NULL,
    PRIMARY KEY (class, bucket)
);
CREATE INDEX request_windows_by_start ON request_windows (window_start);
