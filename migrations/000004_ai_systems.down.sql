DROP TABLE ai_system_data;
DROP TABLE ai_systems;
