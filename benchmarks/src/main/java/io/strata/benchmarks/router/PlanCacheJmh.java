package io.strata.benchmarks.router;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.router.KeyType;
import io.strata.router.RoutePlan;
import io.strata.router.RoutePlanner;
import io.strata.router.ShardMap;
import io.strata.router.TableRule;
import io.strata.router.internal.plan.Planner;
import io.strata.router.internal.plan.RoutingRules;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH state and methods for {@link PlanCacheBenchmark}: the router's plan-cache hit against a raw
 * Caffeine lookup of the same String key (the floor), and against what a miss costs (JSqlParser
 * parse, and a full plan build).
 */
@State(Scope.Benchmark)
public class PlanCacheJmh {

    static final String SQL = "select u.id, u.name, o.amount from users u join orders o on o.user_id = u.id"
            + " where u.id = ? and o.status = ? order by o.created desc limit 20";

    private RoutePlanner planner;
    private java.util.concurrent.ExecutorService parserThread;
    private Cache<String, Object> raw;
    private String key;

    @Setup(Level.Trial)
    public void setUp() throws SQLException {
        RoutingRules rules = new RoutingRules(
                ShardMap.uniform(List.of("s0", "s1", "s2", "s3")),
                Map.of(
                        "users", TableRule.sharded("users", "id", KeyType.LONG),
                        "orders", TableRule.sharded("orders", "user_id", KeyType.LONG)),
                -1,
                false);
        planner = new Planner(rules, 10_000);
        planner.plan(SQL);
        parserThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "parser");
            t.setDaemon(true);
            return t;
        });
        raw = Caffeine.newBuilder().maximumSize(10_000).recordStats().build();
        // A distinct String instance with equal content, as an application's SQL literal would be.
        key = new String(SQL.toCharArray());
        raw.put(key, planner.plan(SQL));
    }

    @Benchmark
    public @Nullable Object caffeineGetIfPresent() {
        return raw.getIfPresent(SQL);
    }

    @Benchmark
    public RoutePlan planCacheHit() throws SQLException {
        return planner.plan(SQL);
    }

    @Benchmark
    public Statement jsqlParse() throws JSQLParserException {
        // As the planner parses on a miss: with JSqlParser's time limit, on a reused thread.
        return CCJSqlParserUtil.parse(SQL, parserThread, parser -> {});
    }
}
