package io.strata.router.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The physical-statement lookup of a logical statement: keyed by shard and SQL text (none for a
 * plain statement), the first entry inline, more in arrays that grow. The statements here are
 * bare proxies (identity only): the lookup never calls them; the router suite runs it on PostgreSQL.
 */
class PhysicalStatementsTest {

    private static Statement statement() {
        return (Statement) Proxy.newProxyInstance(
                Statement.class.getClassLoader(), new Class<?>[] {Statement.class}, (p, m, a) -> switch (m.getName()) {
                    case "equals" -> p == a[0];
                    case "hashCode" -> System.identityHashCode(p);
                    case "toString" -> "statement@" + System.identityHashCode(p);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void findsEachStatementByShardAndText() {
        PhysicalStatements statements = new PhysicalStatements();
        assertThat(statements.find(0, "select 1")).isNull();
        Statement[] made = new Statement[12];
        for (int i = 0; i < made.length; i++) {
            made[i] = statement();
            // shards 0..3, three texts each; the text is a new String every time (equal, not same)
            statements.put(i % 4, new String("select " + (i / 4)), made[i]);
        }
        for (int i = 0; i < made.length; i++) {
            assertThat(statements.find(i % 4, "select " + (i / 4))).isSameAs(made[i]);
        }
        assertThat(statements.find(4, "select 0")).isNull();
        assertThat(statements.find(0, "select 3")).isNull();
        assertThat(statements.find(0, null)).isNull();
        assertThat(statements.values()).containsExactly(made);
    }

    @Test
    void aPlainStatementIsKeyedByShardAlone() {
        PhysicalStatements statements = new PhysicalStatements();
        Statement plain = statement();
        Statement prepared = statement();
        statements.put(1, null, plain);
        statements.put(1, "select 1", prepared);
        assertThat(statements.find(1, null)).isSameAs(plain);
        assertThat(statements.find(1, "select 1")).isSameAs(prepared);
    }

    @Test
    void putReplacesTheStatementOfItsKey() {
        PhysicalStatements statements = new PhysicalStatements();
        Statement first = statement();
        Statement second = statement();
        Statement replacement = statement();
        statements.put(0, "a", first);
        statements.put(1, "a", second);
        statements.put(1, "a", replacement);
        statements.put(0, "a", replacement);
        assertThat(statements.values()).containsExactly(replacement, replacement);
    }

    @Test
    void clearForgetsEverything() {
        PhysicalStatements statements = new PhysicalStatements();
        statements.put(0, "a", statement());
        statements.put(1, "a", statement());
        statements.clear();
        assertThat(statements.values()).isEmpty();
        assertThat(statements.find(1, "a")).isNull();
        Statement again = statement();
        statements.put(1, "a", again);
        assertThat(statements.values()).containsExactly(again);
    }
}
