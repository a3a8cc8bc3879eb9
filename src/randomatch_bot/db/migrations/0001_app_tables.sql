-- The app's own tables (the database contract). The app owns them; we create them only
-- where they are missing so that the demo and the tests are self-contained (`migrate`
-- checks the contract first, and closes what it creates to app users). Existing tables,
-- their extra columns and their rows are left exactly as they are.

CREATE TABLE IF NOT EXISTS public.profiles (
    id           uuid PRIMARY KEY,
    display_name text NOT NULL,
    is_bot       boolean NOT NULL DEFAULT false,
    created_at   timestamptz DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.matches (
    id         uuid PRIMARY KEY,
    user_a     uuid REFERENCES public.profiles (id),
    user_b     uuid REFERENCES public.profiles (id),
    status     text NOT NULL DEFAULT 'active',
    created_at timestamptz DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.messages (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    match_id   uuid REFERENCES public.matches (id),
    sender_id  uuid REFERENCES public.profiles (id),
    content    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz NULL
);

CREATE TABLE IF NOT EXISTS public.typing_indicators (
    match_id   uuid NOT NULL,
    user_id    uuid NOT NULL,
    is_typing  boolean NOT NULL,
    updated_at timestamptz DEFAULT now(),
    PRIMARY KEY (match_id, user_id)
);

-- The index on messages (match_id, created_at) is built by a later migration, CONCURRENTLY
-- and only where the app has no equivalent one: built here it would hold the app's writes.
