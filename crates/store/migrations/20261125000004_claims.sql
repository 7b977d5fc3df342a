-- Provider claims: who the invoice was for (kept even when rejected, so the provider can
-- see why), and the line of the uploaded file it came from.
ALTER TABLE invoices ADD COLUMN person_id TEXT;
ALTER TABLE invoices ADD COLUMN file_line BIGINT;
CREATE INDEX invoices_by_provider ON invoices (council_id, provider_name, created_at);
-- Duplicate checks look invoices up by reference across a council's providers.
CREATE INDEX invoices_by_reference ON invoices (council_id, invoice_ref);
