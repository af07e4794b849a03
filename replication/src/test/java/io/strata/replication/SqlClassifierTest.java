package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlClassifierTest {

    private final SqlClassifier classifier = SqlClassifier.create(List.of("audit_touch"), 100);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "select * from item where id = ?",
                "SELECT a.id, count(*) FROM a JOIN b ON a.id = b.a_id GROUP BY a.id ORDER BY 2 DESC LIMIT 10",
                "with x as (select id from item) select * from x",
                "select 1 union all select 2",
                "select now(), coalesce(v, 'x')::text from item",
                "/* strata:consistency=strong */ select 1",
                "values (1), (2)",
            })
    void classify_readOnlyQueriesAreReads(String sql) {
        assertThat(classifier.classify(sql)).isEqualTo(StatementKind.READ);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "insert into item values (1, 'a')",
                "update item set v = 'b' where id = 1",
                "delete from item",
                "select * from item where id = 1 for update",
                "select * from item for share",
                "select * from item for no key update skip locked",
                "select * from (select * from item for update) t",
                "with d as (delete from item where id = 1 returning *) select * from d",
                "with u as (update item set v = 'x' returning id) select count(*) from u",
                "select nextval('seq')",
                "select public.setval('seq', 10)",
                "select audit_touch(1)",
                "select AUDIT_TOUCH(1)",
                "select * into newtable from item",
                "create table t (id int)",
                "set search_path = x",
                "begin",
                "this is not sql",
                "select 1; delete from item",
                "",
            })
    void classify_anythingThatMayWriteIsAWrite(String sql) {
        assertThat(classifier.classify(sql)).isEqualTo(StatementKind.WRITE);
    }

    @Test
    void classify_acceptsTheRoutersOwnParse() throws Exception {
        assertThat(classifier.classify(CCJSqlParserUtil.parse("select * from t where k = ?")))
                .isEqualTo(StatementKind.READ);
        assertThat(classifier.classify(CCJSqlParserUtil.parse("select nextval('s')")))
                .isEqualTo(StatementKind.WRITE);
        assertThat(classifier.classify(CCJSqlParserUtil.parse("update t set a = 1")))
                .isEqualTo(StatementKind.WRITE);
        assertThat(SqlClassifier.kindOf(CCJSqlParserUtil.parse("select 1"))).isEqualTo(StatementKind.READ);
        assertThat(SqlClassifier.kindOf(CCJSqlParserUtil.parse("select setval('s', 1)")))
                .isEqualTo(StatementKind.WRITE);
    }

    @Test
    void writingFunctions_includeTheDefaultsAndTheConfigured() {
        assertThat(classifier.writingFunctions()).contains("nextval", "audit_touch");
    }
}
