package io.strata.replication.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.replication.internal.SessionSql.Effect;
import org.junit.jupiter.api.Test;

/** What SQL text does to session settings, as a logical connection sees it. */
class SessionSqlTest {

    @Test
    void sessionSettingsAreReplayable() {
        assertThat(SessionSql.of("SET time zone 'UTC'")).isEqualTo(Effect.SESSION);
        assertThat(SessionSql.of("  /* c */ set search_path to a, public;")).isEqualTo(Effect.SESSION);
        assertThat(SessionSql.of("SET SESSION DateStyle = 'ISO'")).isEqualTo(Effect.SESSION);
        assertThat(SessionSql.of("reset all")).isEqualTo(Effect.SESSION);
        assertThat(SessionSql.of("RESET extra_float_digits")).isEqualTo(Effect.SESSION);
        assertThat(SessionSql.of("select set_config('x.y', 'z', false)")).isEqualTo(Effect.SESSION);
    }

    @Test
    void transactionScopedSettingsAreLocal() {
        assertThat(SessionSql.of("SET LOCAL time zone 'UTC'")).isEqualTo(Effect.LOCAL);
        assertThat(SessionSql.of("set transaction isolation level serializable"))
                .isEqualTo(Effect.LOCAL);
        assertThat(SessionSql.of("select set_config('x.y', 'z', true)")).isEqualTo(Effect.LOCAL);
    }

    @Test
    void whatCannotBeReplayedIsUnsafe() {
        assertThat(SessionSql.of("do $$ begin perform set_config('a.b', 'c', false); end $$"))
                .isEqualTo(Effect.UNSAFE);
        assertThat(SessionSql.of("select 1; set time zone 'UTC'")).isEqualTo(Effect.UNSAFE);
        assertThat(SessionSql.of("select set_config(?, ?, false)")).isEqualTo(Effect.UNSAFE);
        assertThat(SessionSql.of("select v, set_config('a.b', v, false) from t"))
                .isEqualTo(Effect.UNSAFE);
        assertThat(SessionSql.of("discard all")).isEqualTo(Effect.UNSAFE);
    }

    @Test
    void ordinaryStatementsAreNone() {
        assertThat(SessionSql.of("update t set v = 'set time zone' where id = 1"))
                .isEqualTo(Effect.NONE);
        assertThat(SessionSql.of("select 'a;set x = 1' from t")).isEqualTo(Effect.NONE);
        assertThat(SessionSql.of("select $$; reset all$$")).isEqualTo(Effect.NONE);
        assertThat(SessionSql.of("-- set x\nselect 1")).isEqualTo(Effect.NONE);
        assertThat(SessionSql.of("insert into settings values (1); update settings set v = 2"))
                .isEqualTo(Effect.NONE);
    }
}
