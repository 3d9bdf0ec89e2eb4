-- grain: one row per incident.
-- inputs: intermediate.int_incident_links.
-- definition: the deployment each incident is blamed on and how (explicit | heuristic | none), as intermediate.int_incident_links decides it; published here because users and the report read it.
SELECT incident_id, service, caused_by_deployment_id, link_kind FROM intermediate.int_incident_links
