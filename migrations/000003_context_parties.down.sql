DROP TABLE party_requirements;
DROP TABLE parties;
DROP TABLE ai_roles;
DROP TABLE context_issues;
