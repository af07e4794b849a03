create table c_users (
    id bigint primary key,
    name text not null,
    email text
);

create table c_items (
    id bigserial,
    user_id bigint not null,
    title text not null,
    primary key (user_id, id)
);

create index c_items_title on c_items (title);
