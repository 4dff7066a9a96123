-- Query API (io.kubebackend.query).

-- ownerUid= and descendantsOf= look owners up by uid alone, across clusters.
CREATE INDEX object_owners_by_uid ON object_owners (owner_uid);

-- Epoch microseconds of an RFC 3339 timestamp, NULL for anything else (a plain cast would fail the whole query on
-- one odd string). Immutable because the pattern demands an explicit offset, so the session time zone never matters.
CREATE FUNCTION kb_rfc3339_micros(t text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF t IS NULL OR t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$' THEN
    RETURN NULL;
  END IF;
  RETURN floor(extract(epoch FROM t::timestamptz) * 1000000);
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
  RETURN NULL;
END
$$;
