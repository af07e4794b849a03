package io.strata.orm.differential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.any;
import static org.jooq.impl.DSL.avg;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.concat;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.countDistinct;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.groupingSets;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.lag;
import static org.jooq.impl.DSL.listAgg;
import static org.jooq.impl.DSL.ltrim;
import static org.jooq.impl.DSL.max;
import static org.jooq.impl.DSL.multiset;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.rollup;
import static org.jooq.impl.DSL.round;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.rowNumber;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.when;

import io.strata.orm.OrmTopology;
import io.strata.orm.StrataCluster;
import io.strata.orm.differential.Differential.Order;
import io.strata.testkit.PgTopology;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jooq.CommonTableExpression;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * jOOQ 3.19 (POSTGRES dialect) calls run twice: on {@code jdbc:strata:} over 4 shards and on one
 * plain PostgreSQL database with the same rows, each answer compared value by value (Java classes
 * included). Strata must answer exactly or refuse with an SR SQLState.
 */
@ExtendWith(OrmTopology.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class JooqDifferentialTest {

    static final Table<Record> ACCOUNTS = table(name("orm_dj_accounts"));
    static final Field<Long> A_ID = field(name("orm_dj_accounts", "id"), SQLDataType.BIGINT);
    static final Field<String> A_OWNER = field(name("orm_dj_accounts", "owner"), SQLDataType.VARCHAR);
    static final Field<BigDecimal> A_BALANCE = field(name("orm_dj_accounts", "balance"), SQLDataType.NUMERIC(12, 2));
    static final Field<String> A_CURRENCY = field(name("orm_dj_accounts", "currency"), SQLDataType.CHAR(3));

    static final Table<Record> ENTRIES = table(name("orm_dj_entries"));
    static final Field<Long> E_ID = field(name("orm_dj_entries", "id"), SQLDataType.BIGINT);
    static final Field<Long> E_ACCOUNT = field(name("orm_dj_entries", "account_id"), SQLDataType.BIGINT);
    static final Field<BigDecimal> E_AMOUNT = field(name("orm_dj_entries", "amount"), SQLDataType.NUMERIC(12, 2));
    static final Field<String> E_NOTE = field(name("orm_dj_entries", "note"), SQLDataType.VARCHAR);

    static final Table<Record> CURRENCIES = table(name("orm_dj_currencies"));
    static final Field<String> C_CODE = field(name("orm_dj_currencies", "code"), SQLDataType.CHAR(3));
    static final Field<String> C_NAME = field(name("orm_dj_currencies", "name"), SQLDataType.VARCHAR);

    static final String[] SCHEMA = {
        "create table orm_dj_accounts (id bigint primary key, owner varchar(50) not null,"
                + " balance numeric(12, 2), currency char(3) not null)",
        "create table orm_dj_entries (id bigint primary key, account_id bigint not null,"
                + " amount numeric(12, 2) not null, note varchar(50))",
        "create table orm_dj_currencies (code char(3) primary key, name varchar(30) not null)"
    };

    private StrataCluster cluster;
    private DSLContext strata;
    private DSLContext plain;
    private Connection plainConnection;
    private final Differential diff = new Differential().collecting();

    @BeforeAll
    void setUp(PgTopology topology) throws Exception {
        cluster = StrataCluster.start(
                topology, """
                  orm_dj_accounts: { sharded: id, type: bigint }
                  orm_dj_entries: { sharded: account_id, type: bigint }
                  orm_dj_currencies: broadcast
                """, "", "drop table if exists orm_dj_accounts, orm_dj_entries, orm_dj_currencies");
        strata = DSL.using(cluster.pool("jooq-diff"), SQLDialect.POSTGRES);
        plainConnection = DriverManager.getConnection(
                Differential.plainDatabase(topology, "orm_plain_jooq"),
                topology.shard(0).primary().user(),
                "");
        plain = DSL.using(plainConnection, SQLDialect.POSTGRES);
        for (DSLContext ctx : List.of(strata, plain)) {
            for (String ddl : SCHEMA) {
                ctx.execute(ddl);
            }
            populate(ctx);
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        System.out.printf(
                "JooqDifferentialTest: %d calls answered the same, %d refused: %s%n",
                diff.same(), diff.refused(), diff.refusals());
        if (plainConnection != null) {
            plainConnection.close();
        }
        cluster.close();
    }

    @AfterEach
    void everyCallAnsweredTheSame() {
        diff.assertNoDifferences();
    }

    static void populate(DSLContext ctx) {
        ctx.insertInto(CURRENCIES, C_CODE, C_NAME)
                .values("EUR", "euro")
                .values("USD", "dollar")
                .values("JPY", "yen")
                .execute();
        String[] cur = {"EUR", "USD", "JPY", "EUR"};
        var accounts = ctx.insertInto(ACCOUNTS, A_ID, A_OWNER, A_BALANCE, A_CURRENCY);
        for (long id = 1; id <= 32; id++) {
            accounts = accounts.values(
                    id,
                    (id % 5 == 0 ? "  " : "") + "owner-" + (id * 7) % 11,
                    id % 8 == 0 ? null : new BigDecimal((id * 37) % 90 + ".25"),
                    cur[(int) (id % 4)]);
        }
        accounts.execute();
        var entries = ctx.insertInto(ENTRIES, E_ID, E_ACCOUNT, E_AMOUNT, E_NOTE);
        for (long i = 1; i <= 150; i++) {
            entries = entries.values(
                    100 + i,
                    (i * 11) % 29 + 1,
                    new BigDecimal((i * 13) % 40 + "." + i % 10),
                    i % 6 == 0 ? null : "n" + i % 4);
        }
        entries.execute();
    }

    private void same(String label, Order order, Function<DSLContext, ?> call) {
        diff.check(label, order, () -> call.apply(strata), () -> call.apply(plain));
    }

    /** A write: on plain PostgreSQL only when Strata did not refuse it, so both keep the same rows. */
    private void write(String label, Order order, Function<DSLContext, ?> call) {
        diff.checkWrite(label, order, () -> call.apply(strata), () -> call.apply(plain));
    }

    @Test
    void selects() {
        same(
                "seek same direction",
                Order.ORDERED,
                c -> c.select(E_ID, E_ACCOUNT, E_AMOUNT)
                        .from(ENTRIES)
                        .orderBy(E_AMOUNT, E_ID)
                        .seek(new BigDecimal("20.3"), 150L)
                        .limit(7)
                        .fetch());
        same(
                "seek mixed direction",
                Order.ORDERED,
                c -> c.select(E_ID, E_AMOUNT)
                        .from(ENTRIES)
                        .orderBy(E_AMOUNT.desc(), E_ID)
                        .seek(new BigDecimal("20.3"), 150L)
                        .limit(7)
                        .fetch());
        same(
                "seek after on key",
                Order.ORDERED,
                c -> c.selectFrom(ENTRIES)
                        .where(E_ACCOUNT.eq(5L))
                        .orderBy(E_ID)
                        .seekAfter(110L)
                        .limit(3)
                        .fetch());
        same(
                "group by rollup",
                Order.UNORDERED,
                c -> c.select(A_CURRENCY, count(), sum(A_BALANCE))
                        .from(ACCOUNTS)
                        .groupBy(rollup(A_CURRENCY))
                        .fetch());
        same(
                "grouping sets",
                Order.UNORDERED,
                c -> c.select(A_CURRENCY, A_OWNER, count())
                        .from(ACCOUNTS)
                        .groupBy(groupingSets(List.of(A_CURRENCY), List.of(A_OWNER)))
                        .fetch());
        same(
                "multiset",
                Order.ORDERED,
                c -> c.select(
                                A_ID,
                                multiset(select(E_ID, E_AMOUNT)
                                                .from(ENTRIES)
                                                .where(E_ACCOUNT.eq(A_ID))
                                                .orderBy(E_ID))
                                        .as("entries"))
                        .from(ACCOUNTS)
                        .where(A_ID.le(10L))
                        .orderBy(A_ID)
                        .fetch()
                        .map(r -> List.of(r.get(0), String.valueOf(r.get(1)))));
        same("row_number partitioned by key in a derived table", Order.ORDERED, c -> {
            var ranked = select(
                            E_ACCOUNT.as("acc"),
                            E_ID.as("eid"),
                            E_AMOUNT.as("amt"),
                            rowNumber()
                                    .over()
                                    .partitionBy(E_ACCOUNT)
                                    .orderBy(E_AMOUNT.desc(), E_ID)
                                    .as("rn"))
                    .from(ENTRIES)
                    .asTable("ranked");
            return c.select(ranked.field("acc"), ranked.field("eid"), ranked.field("amt"))
                    .from(ranked)
                    .where(ranked.field("rn", Integer.class).le(2))
                    .orderBy(ranked.field("acc"), ranked.field("rn"))
                    .fetch();
        });
        same(
                "lag partitioned by key",
                Order.ORDERED,
                c -> c.select(E_ID, lag(E_AMOUNT).over().partitionBy(E_ACCOUNT).orderBy(E_ID))
                        .from(ENTRIES)
                        .orderBy(E_ID)
                        .fetch());
        same("cte joined on key", Order.ORDERED, c -> {
            CommonTableExpression<Record2<Long, BigDecimal>> totals = name("totals")
                    .fields("account_id", "total")
                    .as(select(E_ACCOUNT, sum(E_AMOUNT)).from(ENTRIES).groupBy(E_ACCOUNT));
            return c.with(totals)
                    .select(A_ID, A_OWNER, totals.field("total"))
                    .from(ACCOUNTS)
                    .join(totals)
                    .on(totals.field("account_id", Long.class).eq(A_ID))
                    .orderBy(totals.field("total").desc(), A_ID)
                    .limit(10)
                    .fetch();
        });
        same("cte aggregated not on key", Order.ORDERED, c -> {
            CommonTableExpression<Record2<String, Integer>> byCurrency = name("byc")
                    .fields("currency", "n")
                    .as(select(A_CURRENCY, count()).from(ACCOUNTS).groupBy(A_CURRENCY));
            return c.with(byCurrency)
                    .select(byCurrency.field("currency"), byCurrency.field("n"), C_NAME)
                    .from(byCurrency)
                    .join(CURRENCIES)
                    .on(C_CODE.eq(byCurrency.field("currency", String.class)))
                    .orderBy(byCurrency.field("currency"))
                    .fetch();
        });
        same(
                "union all order by limit",
                Order.ORDERED,
                c -> c.select(A_ID.as("k"))
                        .from(ACCOUNTS)
                        .where(A_CURRENCY.eq("EUR"))
                        .unionAll(select(E_ACCOUNT.as("k")).from(ENTRIES).where(E_AMOUNT.gt(new BigDecimal("35"))))
                        .orderBy(field(name("k")).desc())
                        .limit(12)
                        .fetch());
        same(
                "union order by",
                Order.ORDERED,
                c -> c.select(A_ID.as("k"))
                        .from(ACCOUNTS)
                        .where(A_CURRENCY.eq("EUR"))
                        .union(select(E_ACCOUNT.as("k")).from(ENTRIES).where(E_AMOUNT.gt(new BigDecimal("35"))))
                        .orderBy(field(name("k")))
                        .fetch());
        same(
                "union order by offset",
                Order.ORDERED,
                c -> c.select(A_ID.as("k"), A_OWNER.as("o"))
                        .from(ACCOUNTS)
                        .where(A_CURRENCY.eq("EUR"))
                        .union(select(A_ID, A_OWNER).from(ACCOUNTS).where(A_BALANCE.gt(new BigDecimal("50"))))
                        .orderBy(field(name("k")))
                        .offset(3)
                        .limit(5)
                        .fetch());
        same(
                "exists",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .where(exists(selectOne()
                                .from(ENTRIES)
                                .where(E_ACCOUNT.eq(A_ID))
                                .and(E_NOTE.isNull())))
                        .orderBy(A_ID)
                        .fetch());
        same(
                "not exists",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .where(notExists(selectOne().from(ENTRIES).where(E_ACCOUNT.eq(A_ID))))
                        .orderBy(A_ID)
                        .fetch());
        same(
                "ltrim concat",
                Order.ORDERED,
                c -> c.select(A_ID, concat(ltrim(A_OWNER), inline("/"), A_CURRENCY))
                        .from(ACCOUNTS)
                        .orderBy(ltrim(A_OWNER), A_ID)
                        .fetch());
        same(
                "limit with ties",
                Order.UNORDERED,
                c -> c.select(E_ID, E_AMOUNT)
                        .from(ENTRIES)
                        .orderBy(E_AMOUNT.desc())
                        .limit(4)
                        .withTies()
                        .fetch());
        same(
                "distinct on",
                Order.ORDERED,
                c -> c.select(E_ACCOUNT, E_ID, E_AMOUNT)
                        .distinctOn(E_ACCOUNT)
                        .from(ENTRIES)
                        .orderBy(E_ACCOUNT, E_AMOUNT.desc(), E_ID)
                        .fetch());
        same(
                "count filter",
                Order.ORDERED,
                c -> c.select(count(), count().filterWhere(E_NOTE.isNull()), countDistinct(E_ACCOUNT), max(E_AMOUNT))
                        .from(ENTRIES)
                        .fetch());
        same(
                "listagg",
                Order.ORDERED,
                c -> c.select(E_ACCOUNT, listAgg(E_NOTE, ",").withinGroupOrderBy(E_ID))
                        .from(ENTRIES)
                        .groupBy(E_ACCOUNT)
                        .orderBy(E_ACCOUNT)
                        .fetch());
        same(
                "group by having order by count",
                Order.ORDERED,
                c -> c.select(A_CURRENCY, count(), avg(A_BALANCE))
                        .from(ACCOUNTS)
                        .groupBy(A_CURRENCY)
                        .having(count().gt(2))
                        .orderBy(count().desc(), A_CURRENCY)
                        .fetch());
        same(
                "round avg",
                Order.ORDERED,
                c -> c.select(A_CURRENCY, round(avg(A_BALANCE), 2))
                        .from(ACCOUNTS)
                        .groupBy(A_CURRENCY)
                        .orderBy(A_CURRENCY)
                        .fetch());
        same(
                "case coalesce nulls last",
                Order.ORDERED,
                c -> c.select(
                                A_ID,
                                when(A_BALANCE.isNull(), inline("none"))
                                        .when(A_BALANCE.gt(new BigDecimal("40")), inline("high"))
                                        .otherwise(inline("low")),
                                coalesce(A_BALANCE, BigDecimal.ZERO))
                        .from(ACCOUNTS)
                        .orderBy(A_BALANCE.desc().nullsLast(), A_ID)
                        .fetch());
        same(
                "row value in",
                Order.ORDERED,
                c -> c.select(E_ID, E_ACCOUNT)
                        .from(ENTRIES)
                        .where(row(E_ACCOUNT, E_ID).in(row(12L, 101L), row(23L, 102L), row(5L, 103L), row(12L, 145L)))
                        .orderBy(E_ID)
                        .fetch());
        same(
                "in subquery",
                Order.ORDERED,
                c -> c.select(A_ID, A_OWNER)
                        .from(ACCOUNTS)
                        .where(A_ID.in(select(E_ACCOUNT).from(ENTRIES).where(E_AMOUNT.lt(new BigDecimal("3")))))
                        .orderBy(A_ID)
                        .fetch());
        same(
                "not in subquery",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .where(A_ID.notIn(select(E_ACCOUNT).from(ENTRIES)))
                        .orderBy(A_ID)
                        .fetch());
        same(
                "any array",
                Order.ORDERED,
                c -> c.select(E_ID)
                        .from(ENTRIES)
                        .where(E_ACCOUNT.eq(any(new Long[] {3L, 4L, 17L, 28L})))
                        .orderBy(E_ID)
                        .fetch());
        same(
                "fetchCount of limited select",
                Order.ORDERED,
                c -> c.fetchCount(select(E_ID).from(ENTRIES).orderBy(E_ID).limit(17)));
        same("fetchCount of distinct", Order.ORDERED, c -> c.fetchCount(selectDistinctAccount()));
        same(
                "offset without limit",
                Order.ORDERED,
                c -> c.select(E_ID)
                        .from(ENTRIES)
                        .orderBy(E_ID.desc())
                        .offset(140)
                        .fetch());
        same(
                "broadcast join ilike",
                Order.ORDERED,
                c -> c.select(A_ID, C_NAME)
                        .from(ACCOUNTS)
                        .join(CURRENCIES)
                        .on(C_CODE.eq(A_CURRENCY))
                        .where(A_OWNER.likeIgnoreCase("%OWNER-3%"))
                        .orderBy(A_ID)
                        .fetch());
        same("derived table with key group", Order.ORDERED, c -> {
            var t = select(E_ACCOUNT.as("acc"), sum(E_AMOUNT).as("s"))
                    .from(ENTRIES)
                    .groupBy(E_ACCOUNT)
                    .asTable("t");
            return c.select(t.field("acc"), t.field("s"))
                    .from(t)
                    .where(t.field("s", BigDecimal.class).gt(new BigDecimal("100")))
                    .orderBy(t.field("s").desc(), t.field("acc"))
                    .fetch();
        });
        same(
                "fetchExists on a non-key condition",
                Order.ORDERED,
                c -> List.of(
                        c.fetchExists(selectOne().from(ACCOUNTS).where(A_BALANCE.eq(new BigDecimal("79.25")))),
                        c.fetchExists(selectOne().from(ACCOUNTS).where(A_BALANCE.eq(new BigDecimal("79.30")))),
                        c.fetchExists(ENTRIES, E_AMOUNT.gt(new BigDecimal("39.5")))));
        same(
                "scalar subqueries without from",
                Order.ORDERED,
                c -> c.select(
                                field(DSL.selectCount().from(ACCOUNTS)),
                                field(select(max(E_AMOUNT)).from(ENTRIES)),
                                field(select(A_OWNER).from(ACCOUNTS).where(A_BALANCE.eq(new BigDecimal("79.25")))))
                        .fetch());
        same(
                "functions around merged aggregates",
                Order.ORDERED,
                c -> c.select(
                                DSL.substring(max(A_OWNER), 1, 5),
                                DSL.position(max(A_OWNER), "-"),
                                DSL.overlay(max(A_OWNER), "X", 1, 2),
                                DSL.trim(DSL.min(A_OWNER)))
                        .from(ACCOUNTS)
                        .fetch());
        same(
                "fetchOne by key",
                Order.ORDERED,
                c -> List.of(
                        c.selectFrom(ACCOUNTS).where(A_ID.eq(19L)).fetchOne(),
                        c.fetchCount(ACCOUNTS),
                        c.selectCount().from(ENTRIES).where(E_NOTE.isNotNull()).fetchOne(0, Integer.class)));
        same(
                "limit 0",
                Order.ORDERED,
                c -> c.select(A_ID).from(ACCOUNTS).orderBy(A_ID).limit(0).fetch());
        same(
                "limit bound 0",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .orderBy(A_ID)
                        .limit(DSL.val(0))
                        .fetch());
        same(
                "offset past the end",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .orderBy(A_ID)
                        .limit(5)
                        .offset(500)
                        .fetch());
        same(
                "in with null",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .where(A_ID.in(3L, null, 30L))
                        .orderBy(A_ID)
                        .fetch());
        same(
                "not in with null",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .where(A_ID.notIn(3L, null))
                        .orderBy(A_ID)
                        .fetch());
        same(
                "key typed as integer",
                Order.ORDERED,
                c -> c.select(A_ID, A_OWNER)
                        .from(ACCOUNTS)
                        .where(field(name("orm_dj_accounts", "id"), SQLDataType.INTEGER)
                                .in(7, 8, 9))
                        .orderBy(A_ID)
                        .fetch());
        same(
                "key typed as string",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .where(A_ID.cast(SQLDataType.VARCHAR).eq("12"))
                        .fetch());
        same(
                "order by boolean expression",
                Order.ORDERED,
                c -> c.select(A_ID, A_BALANCE.isNull())
                        .from(ACCOUNTS)
                        .orderBy(A_BALANCE.isNull().desc(), A_CURRENCY.eq("EUR"), A_ID)
                        .limit(10)
                        .fetch());
        same(
                "between keys",
                Order.ORDERED,
                c -> c.select(A_ID)
                        .from(ACCOUNTS)
                        .where(A_ID.between(5L, 9L).or(A_ID.eq(20L)))
                        .orderBy(A_ID)
                        .fetch());
        // Before the fix: the FILTER clause's subquery ran on each shard over that shard's accounts only.
        same(
                "count filter with a subquery",
                Order.ORDERED,
                c -> c.select(
                                count().filterWhere(E_ACCOUNT.in(
                                        select(A_ID).from(ACCOUNTS).where(A_BALANCE.gt(new BigDecimal("50"))))),
                                count().filterWhere(E_ACCOUNT.eq(
                                        any(select(A_ID).from(ACCOUNTS).where(A_CURRENCY.eq("USD"))))))
                        .from(ENTRIES)
                        .fetch());
    }

    private static org.jooq.Select<?> selectDistinctAccount() {
        return DSL.selectDistinct(E_ACCOUNT).from(ENTRIES);
    }

    @Test
    void writes() {
        write(
                "upsert returning",
                Order.ORDERED,
                c -> c.insertInto(ACCOUNTS, A_ID, A_OWNER, A_BALANCE, A_CURRENCY)
                        .values(3L, "up-3", new BigDecimal("1.00"), "USD")
                        .values(40L, "new-40", new BigDecimal("2.00"), "EUR")
                        .values(7L, "up-7", new BigDecimal("3.00"), "JPY")
                        .onConflict(A_ID)
                        .doUpdate()
                        .set(A_OWNER, DSL.excluded(A_OWNER))
                        .set(A_BALANCE, A_BALANCE.plus(DSL.excluded(A_BALANCE)))
                        .returning(A_ID, A_OWNER, A_BALANCE)
                        .fetch());
        write(
                "selectDistinct paged",
                Order.ORDERED,
                c -> c.selectDistinct(A_CURRENCY, A_OWNER)
                        .from(ACCOUNTS)
                        .orderBy(A_CURRENCY, A_OWNER)
                        .limit(4)
                        .offset(3)
                        .fetch());
        write(
                "update returning by keys",
                Order.UNORDERED,
                c -> c.update(ACCOUNTS)
                        .set(A_BALANCE, coalesce(A_BALANCE, BigDecimal.ZERO).plus(inline(BigDecimal.TEN)))
                        .where(A_ID.in(8L, 9L, 10L, 16L))
                        .returning(A_ID, A_BALANCE)
                        .fetch());
        write(
                "delete returning by keys",
                Order.UNORDERED,
                c -> c.deleteFrom(ENTRIES)
                        .where(E_ACCOUNT.in(2L, 13L))
                        .returning(E_ID, E_AMOUNT)
                        .fetch());
        write("batch insert", Order.ORDERED, c -> {
            var batch = c.batch(c.insertInto(ENTRIES, E_ID, E_ACCOUNT, E_AMOUNT, E_NOTE)
                    .values((Long) null, (Long) null, (BigDecimal) null, (String) null));
            for (long i = 0; i < 20; i++) {
                batch = batch.bind(900 + i, (i * 5) % 31 + 1, new BigDecimal(i + ".5"), "batch");
            }
            int[] counts = batch.execute();
            List<Integer> out = new ArrayList<>();
            for (int n : counts) {
                out.add(n);
            }
            return out;
        });
        write(
                "for update by key",
                Order.ORDERED,
                c -> c.transactionResult(t -> t.dsl()
                        .selectFrom(ACCOUNTS)
                        .where(A_ID.in(1L, 2L, 3L))
                        .orderBy(A_ID)
                        .forUpdate()
                        .fetch()));
        write(
                "for update scattered",
                Order.ORDERED,
                c -> c.transactionResult(t -> t.dsl()
                        .select(A_ID, A_BALANCE)
                        .from(ACCOUNTS)
                        .where(A_BALANCE.gt(new BigDecimal("60")))
                        .orderBy(A_ID)
                        .forUpdate()
                        .fetch()));
        write(
                "for update limit",
                Order.ORDERED,
                c -> c.transactionResult(t -> t.dsl()
                        .select(A_ID)
                        .from(ACCOUNTS)
                        .orderBy(A_ID)
                        .limit(2)
                        .forUpdate()
                        .skipLocked()
                        .fetch()));
        write(
                "update from join on key",
                Order.ORDERED,
                c -> c.update(ACCOUNTS)
                        .set(A_OWNER, concat(A_OWNER, inline("*")))
                        .from(ENTRIES)
                        .where(E_ACCOUNT.eq(A_ID))
                        .and(A_ID.eq(11L))
                        .and(E_ID.eq(E_ID))
                        .execute());
        write(
                "insert select keyed",
                Order.ORDERED,
                c -> c.insertInto(ENTRIES, E_ID, E_ACCOUNT, E_AMOUNT, E_NOTE)
                        .select(select(E_ID.plus(5000), E_ACCOUNT, E_AMOUNT, inline("copy"))
                                .from(ENTRIES)
                                .where(E_ACCOUNT.eq(6L)))
                        .execute());
        write(
                "insert select scattered",
                Order.ORDERED,
                c -> c.insertInto(ENTRIES, E_ID, E_ACCOUNT, E_AMOUNT, E_NOTE)
                        .select(select(E_ID.plus(7000), E_ACCOUNT, E_AMOUNT, inline("copy2"))
                                .from(ENTRIES)
                                .where(E_AMOUNT.gt(new BigDecimal("38"))))
                        .execute());
        write(
                "merge into",
                Order.ORDERED,
                c -> c.mergeInto(ACCOUNTS)
                        .using(selectOne())
                        .on(A_ID.eq(14L))
                        .whenMatchedThenUpdate()
                        .set(A_OWNER, "merged-14")
                        .whenNotMatchedThenInsert(A_ID, A_OWNER, A_BALANCE, A_CURRENCY)
                        .values(14L, "merged-14", BigDecimal.ONE, "EUR")
                        .execute());
        write(
                "delete where key in subquery",
                Order.ORDERED,
                c -> c.deleteFrom(ACCOUNTS)
                        .where(A_ID.in(select(E_ACCOUNT)
                                .from(ENTRIES)
                                .where(E_NOTE.eq("n3").and(E_AMOUNT.gt(new BigDecimal("36"))))))
                        .execute());
        write(
                "update with correlated subquery on key",
                Order.ORDERED,
                c -> c.update(ACCOUNTS)
                        .set(
                                A_BALANCE,
                                field(select(sum(E_AMOUNT)).from(ENTRIES).where(E_ACCOUNT.eq(A_ID))))
                        .where(A_ID.in(15L, 17L, 21L))
                        .execute());
        same(
                "lazy cursor with fetch size in a transaction",
                Order.ORDERED,
                c -> c.transactionResult(t -> {
                    List<String> out = new ArrayList<>();
                    try (var cursor = t.dsl()
                            .select(E_ID, E_AMOUNT)
                            .from(ENTRIES)
                            .orderBy(E_AMOUNT.desc(), E_ID)
                            .fetchSize(7)
                            .fetchLazy()) {
                        for (var r : cursor) {
                            out.add(r.value1() + "/" + r.value2());
                        }
                    }
                    return out;
                }));
        same(
                "everything after the writes",
                Order.ORDERED,
                c -> List.of(
                        c.selectFrom(ACCOUNTS)
                                .orderBy(A_ID)
                                .fetch()
                                .map(r -> Differential.row(r).toString()),
                        c.selectFrom(ENTRIES)
                                .orderBy(E_ID)
                                .fetch()
                                .map(r -> Differential.row(r).toString())));
    }

    /**
     * ormcheck defect 6 (fixed on main by c81e7f7, execute/): jOOQ's {@code onConflictDoNothing().returning()} over
     * several shards, in auto-commit, with a skipped (conflicting) row, was refused with SR001 when
     * its rows were read, after the shards had committed the other rows. A refused statement must
     * have written nothing (or be answered as PostgreSQL answers it).
     */
    @Test
    void insertOnConflictDoNothingReturningOverShardsWritesNothingWhenRefused() {
        Differential strict = new Differential();
        try {
            var outcome = strict.checkWrite(
                    "insert on conflict do nothing returning",
                    Order.ORDERED,
                    () -> insertSkippingOne(strata),
                    () -> insertSkippingOne(plain));
            if (outcome == Differential.Outcome.REFUSED) {
                assertThat(strata.fetchCount(ACCOUNTS, A_ID.between(61L, 63L))).isZero();
            }
        } finally {
            for (DSLContext c : List.of(strata, plain)) {
                c.deleteFrom(ACCOUNTS).where(A_ID.in(61L, 62L, 63L)).execute();
            }
        }
    }

    private static Object insertSkippingOne(DSLContext c) {
        return c.insertInto(ACCOUNTS, A_ID, A_OWNER, A_BALANCE, A_CURRENCY)
                .values(61L, "new-61", new BigDecimal("4.00"), "EUR")
                .values(5L, "dup-5", new BigDecimal("5.00"), "EUR")
                .values(62L, "new-62", new BigDecimal("6.00"), "USD")
                .values(63L, "new-63", new BigDecimal("7.00"), "JPY")
                .onConflictDoNothing()
                .returning(A_ID, A_OWNER)
                .fetch();
    }

    @Test
    void theCheckerFailsOnOneChangedRowOfThePlainCopy() {
        plain.execute("update orm_dj_entries set note = 'changed' where id = 120");
        try {
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> new Differential()
                    .check(
                            "weakened",
                            Order.ORDERED,
                            () -> strata.selectFrom(ENTRIES).orderBy(E_ID).fetch(),
                            () -> plain.selectFrom(ENTRIES).orderBy(E_ID).fetch()));
            assertThat(t).isInstanceOf(AssertionError.class).hasMessageContaining("changed");
        } finally {
            plain.execute("update orm_dj_entries set note = 'n0' where id = 120");
        }
        same("restored", Order.ORDERED, c -> c.selectFrom(ENTRIES).orderBy(E_ID).fetch());
    }
}
