-- InvoiceOcr.Sdk SQLite schema: the input-token estimate of each quota reservation. The per-minute windows count input
-- tokens (Google's per-minute token limit counts input tokens only), the day windows and the lifetime limit total tokens.
-- NULL (a reservation granted before this migration) counted its total estimate in the minute windows, and is settled so.
ALTER TABLE QuotaReservations ADD COLUMN InputTokens INTEGER NULL;
