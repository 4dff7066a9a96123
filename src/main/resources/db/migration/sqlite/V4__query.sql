-- Query API (io.kubebackend.query).

-- ownerUid= and descendantsOf= look owners up by uid alone, across clusters.
CREATE INDEX object_owners_by_uid ON object_owners (owner_uid);
