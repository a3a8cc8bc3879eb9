-- Every function of the service runs with a fixed, empty search_path (Supabase's Security
-- Advisor: function_search_path_mutable). 0046 created `bot.message_photos` without one; its
-- queries already name every relation with its schema, so nothing else changes. Functions
-- created from now on set it in their definition (tests/integration/test_security_advisor.py).

ALTER FUNCTION bot.message_photos(uuid[]) SET search_path = '';
