-- Incidents linked to no deployment (no explicit reference, and no deployment of the service within incident_window_hours before)
-- total: SELECT count(*) FROM intermediate.int_incident_links
SELECT incident_id, service
FROM intermediate.int_incident_links
WHERE link_kind = 'none'
