alter table c_users add column created timestamptz not null default now();

create table c_plans (code text primary key, price numeric(8,2) not null);

insert into c_plans (code, price) values ('free', 0), ('pro', 9.90);
