package io.strata.orm.hibernate;

import static io.strata.orm.StrataCluster.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.orm.OrmTopology;
import io.strata.orm.SlotIdGenerator;
import io.strata.orm.StrataCluster;
import io.strata.router.IdGenerator;
import io.strata.router.KeyType;
import io.strata.testkit.PgTopology;
import jakarta.persistence.OptimisticLockException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;
import org.hibernate.exception.GenericJDBCException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hibernate ORM 6.6, unchanged, on {@code jdbc:strata:} through HikariCP over 4 shards x (1+1): two
 * independent {@code EntityManagerFactory}s (two application JVMs' worth of id allocation). Every
 * result is compared row by row with what the shards' primaries hold.
 */
@ExtendWith(OrmTopology.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HibernateTest {

    static final String TABLES = """
              orm_customers: { sharded: id, type: bigint }
              orm_orders: { sharded: customer_id, type: bigint, slotId: id }
              orm_payments: { sharded: customer_id, type: bigint }
            """;

    /**
     * Customer's default sequence (Hibernate 6.6 names it {@code <table>_SEQ}), declared global so
     * that every shard and both factories draw from one.
     */
    static final String SEQUENCES = "globalSequences: [orm_customers_seq]\n";

    private StrataCluster cluster;
    private SessionFactory emfA;
    private SessionFactory emfB;
    private HikariDataSource poolA;

    @BeforeAll
    void setUp(PgTopology topology) throws Exception {
        cluster = StrataCluster.start(
                topology,
                TABLES,
                SEQUENCES,
                "drop table if exists orm_customers, orm_orders, orm_payments cascade",
                "drop sequence if exists orm_customers_seq");
        // The first factory creates the schema (hbm2ddl), the second one only uses it.
        poolA = cluster.pool("hibernate-a");
        emfA = factory(poolA, cluster.url(), "create");
        emfB = factory(cluster.pool("hibernate-b"), cluster.url(), "none");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (emfA != null) {
            emfA.close();
        }
        if (emfB != null) {
            emfB.close();
        }
        cluster.close();
    }

    static SessionFactory factory(DataSource dataSource, String url, String hbm2ddl) {
        Configuration cfg = new Configuration()
                .addAnnotatedClass(Customer.class)
                .addAnnotatedClass(PurchaseOrder.class)
                .addAnnotatedClass(Payment.class);
        cfg.getProperties().put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, dataSource);
        cfg.setProperty(AvailableSettings.HBM2DDL_AUTO, hbm2ddl);
        cfg.setProperty(SlotIdGenerator.URL_PROPERTY, url);
        cfg.setProperty(AvailableSettings.STATEMENT_BATCH_SIZE, "25");
        cfg.setProperty(AvailableSettings.ORDER_INSERTS, "true");
        cfg.setProperty(AvailableSettings.ORDER_UPDATES, "true");
        cfg.setProperty(AvailableSettings.GENERATE_STATISTICS, "true");
        return cfg.buildSessionFactory();
    }

    private List<List<String>> customerRows(String where) throws Exception {
        return cluster.primaryRows("select id, version, name, email from orm_customers where " + where);
    }

    private static List<List<String>> customers(List<Customer> list) {
        return list.stream()
                .sorted(Comparator.comparing(Customer::getId))
                .map(c -> row(c.getId(), c.getVersion(), c.getName(), c.getEmail()))
                .toList();
    }

    private static List<List<String>> orders(List<PurchaseOrder> list) {
        return list.stream()
                .map(o -> row(o.getId(), o.getVersion(), o.getCustomerId(), o.getStatus(), o.getTotal()))
                .toList();
    }

    private List<List<String>> orderRows(String where) throws Exception {
        return cluster.primaryRows("select id, version, customer_id, status, total from orm_orders where " + where);
    }

    @Test
    @Order(1)
    void hbm2ddlCreatesTheSchemaOnEveryShard() throws Exception {
        for (String table : List.of("orm_customers", "orm_orders", "orm_payments")) {
            Map<String, List<List<String>>> columns = cluster.rowsByShard(
                    "select column_name, data_type, is_nullable from information_schema.columns"
                            + " where table_schema = 'public' and table_name = ? order by column_name",
                    table);
            List<List<String>> first = columns.values().iterator().next();
            assertThat(first).as(table).isNotEmpty();
            assertThat(columns.values())
                    .as(table + " on every shard")
                    .allSatisfy(c -> assertThat(c).isEqualTo(first));
        }
        assertThat(cluster.rowsByShard(
                                "select column_name, data_type from information_schema.columns where table_name ="
                                        + " 'orm_orders' order by column_name")
                        .get("shard0"))
                .containsExactly(
                        row("customer_id", "bigint"),
                        row("id", "bigint"),
                        row("status", "character varying"),
                        row("total", "numeric"),
                        row("version", "integer"));
    }

    @Test
    @Order(2)
    void defaultSequenceIdsFromTwoFactoriesAreUniqueAndEachRowLivesOnItsShard() throws Exception {
        List<Customer> made = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (SessionFactory f : List.of(emfA, emfB)) {
                String tag = "seq-" + round + (f == emfA ? "a" : "b");
                f.inTransaction(s -> {
                    for (int i = 0; i < 20; i++) {
                        Customer c = new Customer(tag + "-" + i, i % 4 == 0 ? null : tag + i + "@example.com");
                        s.persist(c);
                        made.add(c);
                    }
                });
            }
        }
        Set<Long> ids = new HashSet<>();
        made.forEach(c -> ids.add(c.getId()));
        assertThat(ids).as("ids handed out by two factories").hasSize(made.size());
        assertThat(customerRows("name like 'seq-%'")).isEqualTo(customers(made));
        cluster.assertPlacement("orm_customers", "id", "id");
    }

    @Test
    @Order(3)
    void crudThroughOneEntityManagerPerStep() throws Exception {
        Customer ada = new Customer("crud-ada", "ada@example.com");
        emfA.inTransaction(s -> s.persist(ada));
        assertThat(customerRows("name like 'crud-%'"))
                .containsExactly(row(ada.getId(), 0, "crud-ada", "ada@example.com"));
        assertThat(cluster.rowsByShard("select id from orm_customers where id = ?", ada.getId())
                        .get(cluster.shardOf(ada.getId())))
                .containsExactly(row(ada.getId()));

        Customer found = emfB.fromTransaction(s -> s.find(Customer.class, ada.getId()));
        assertThat(List.of(found.getId(), found.getVersion(), found.getName(), found.getEmail()))
                .containsExactly(ada.getId(), 0, "crud-ada", "ada@example.com");

        emfB.inTransaction(s -> s.find(Customer.class, ada.getId()).setName("crud-ada lovelace"));
        assertThat(customerRows("name like 'crud-%'"))
                .containsExactly(row(ada.getId(), 1, "crud-ada lovelace", "ada@example.com"));

        emfA.inTransaction(s -> s.remove(s.find(Customer.class, ada.getId())));
        assertThat(customerRows("name like 'crud-%'")).isEmpty();
        Customer gone = emfB.fromTransaction(s -> s.find(Customer.class, ada.getId()));
        assertThat(gone).isNull();
    }

    @Test
    @Order(4)
    void versionRefusesALostUpdate() throws Exception {
        Customer c = new Customer("version-1", null);
        emfA.inTransaction(s -> s.persist(c));
        try (Session first = emfA.openSession();
                Session second = emfB.openSession()) {
            first.beginTransaction();
            second.beginTransaction();
            Customer a = first.find(Customer.class, c.getId());
            Customer b = second.find(Customer.class, c.getId());
            a.setName("version-first");
            first.getTransaction().commit();
            b.setName("version-second");
            // Hibernate's own Session throws the JPA exception itself (an EntityManager wraps it in a
            // RollbackException).
            assertThatThrownBy(() -> second.getTransaction().commit())
                    .isInstanceOf(OptimisticLockException.class)
                    .hasMessageContaining("update orm_customers");
        }
        // The first update landed (so the refusal is not a misrouted update that matched no row).
        assertThat(customerRows("name like 'version-%'")).containsExactly(row(c.getId(), 1, "version-first", null));
    }

    @Test
    @Order(5)
    void batchInsertsLandRowByRowOnTheirShards() throws Exception {
        List<PurchaseOrder> made = new ArrayList<>();
        emfA.getStatistics().clear();
        emfA.inTransaction(s -> {
            for (int i = 0; i < 60; i++) {
                PurchaseOrder o = new PurchaseOrder(9000 + i % 12, "batch", new BigDecimal(i + ".25"));
                s.persist(o);
                made.add(o);
            }
        });
        // 60 rows in batches of 25: a handful of statements, not one per row.
        assertThat(emfA.getStatistics().getPrepareStatementCount()).isLessThan(12);
        made.sort(Comparator.comparing(PurchaseOrder::getId));
        assertThat(orderRows("status = 'batch'")).isEqualTo(orders(made));
        cluster.assertPlacement("orm_orders", "customer_id", "id");
    }

    @Test
    @Order(6)
    void pagingOnOneShardByItsKey() throws Exception {
        long customer = 7001;
        emfA.inTransaction(s -> {
            for (int i = 0; i < 9; i++) {
                s.persist(new PurchaseOrder(customer, "page1", new BigDecimal("1" + i + ".00")));
                s.persist(new PurchaseOrder(customer + 1 + i, "page1", BigDecimal.ONE));
            }
        });
        List<PurchaseOrder> page = emfB.fromTransaction(s -> s.createSelectionQuery(
                        "from PurchaseOrder o where o.customerId = :c order by o.id", PurchaseOrder.class)
                .setParameter("c", customer)
                .setFirstResult(2)
                .setMaxResults(4)
                .getResultList());
        List<List<String>> all = orderRows("customer_id = " + customer);
        assertThat(all).hasSize(9);
        assertThat(orders(page)).isEqualTo(all.subList(2, 6));

        // Only a limit (fetch first) and a page past the end.
        List<PurchaseOrder> top = emfB.fromTransaction(s -> s.createSelectionQuery(
                        "from PurchaseOrder o where o.customerId = :c order by o.total desc", PurchaseOrder.class)
                .setParameter("c", customer)
                .setMaxResults(3)
                .getResultList());
        assertThat(orders(top))
                .isEqualTo(all.stream()
                        .sorted(Comparator.comparing((List<String> r) -> new BigDecimal(r.get(4)))
                                .reversed())
                        .limit(3)
                        .toList());
        List<PurchaseOrder> pastTheEnd = emfB.fromTransaction(s -> s.createSelectionQuery(
                        "from PurchaseOrder o where o.customerId = :c order by o.id", PurchaseOrder.class)
                .setParameter("c", customer)
                .setFirstResult(9)
                .setMaxResults(4)
                .getResultList());
        assertThat(pastTheEnd).isEmpty();
    }

    @Test
    @Order(7)
    void pagingScatteredOverEveryShard() throws Exception {
        List<Customer> made = new ArrayList<>();
        emfA.inTransaction(s -> {
            for (int i = 0; i < 30; i++) {
                Customer c = new Customer("page2-" + (char) ('a' + i % 7), null);
                s.persist(c);
                made.add(c);
            }
        });
        List<List<String>> all = customerRows("name like 'page2-%'");
        List<List<String>> byNameDescThenId = all.stream()
                .sorted(Comparator.comparing((List<String> r) -> r.get(2))
                        .reversed()
                        .thenComparing(r -> Long.parseLong(r.get(0))))
                .toList();
        for (int[] window : new int[][] {{0, 5}, {5, 7}, {26, 10}}) {
            List<Customer> page = emfB.fromTransaction(s -> s.createSelectionQuery(
                            "from Customer c where c.name like 'page2-%' order by c.name desc, c.id", Customer.class)
                    .setFirstResult(window[0])
                    .setMaxResults(window[1])
                    .getResultList());
            assertThat(page.stream()
                            .map(c -> row(c.getId(), c.getVersion(), c.getName(), c.getEmail()))
                            .toList())
                    .as("first %d, max %d", window[0], window[1])
                    .isEqualTo(byNameDescThenId.subList(
                            window[0], Math.min(byNameDescThenId.size(), window[0] + window[1])));
        }
        long count = emfB.fromTransaction(
                s -> s.createSelectionQuery("select count(c) from Customer c where c.name like 'page2-%'", Long.class)
                        .getSingleResult());
        assertThat(count).isEqualTo(all.size()).isEqualTo(30);
    }

    @Test
    @Order(8)
    void anEntityShardedByAnotherColumnIsFoundUpdatedAndDeletedById() throws Exception {
        PurchaseOrder order = new PurchaseOrder(4242, "new", new BigDecimal("99.90"));
        emfA.inTransaction(s -> s.persist(order));
        long id = order.getId();
        assertThat(IdGenerator.slotOf(id, cluster.shardMap().slots()))
                .as("the id carries the customer's slot")
                .isEqualTo(cluster.shardMap().slotOf(4242L, KeyType.LONG));
        assertThat(cluster.rowsByShard("select id, customer_id from orm_orders where id = ?", id)
                        .get(cluster.shardOf(4242)))
                .containsExactly(row(id, 4242));

        PurchaseOrder found = emfB.fromTransaction(s -> s.find(PurchaseOrder.class, id));
        assertThat(orders(List.of(found))).containsExactly(row(id, 0, 4242, "new", "99.90"));

        emfB.inTransaction(s -> {
            PurchaseOrder o = s.find(PurchaseOrder.class, id);
            o.setStatus("paid");
            o.setTotal(new BigDecimal("89.90"));
        });
        assertThat(orderRows("id = " + id)).containsExactly(row(id, 1, 4242, "paid", "89.90"));

        emfA.inTransaction(s -> s.remove(s.find(PurchaseOrder.class, id)));
        assertThat(orderRows("id = " + id)).isEmpty();
        PurchaseOrder gone = emfB.fromTransaction(s -> s.find(PurchaseOrder.class, id));
        assertThat(gone).isNull();
    }

    @Test
    @Order(9)
    void identityIdsAreUniqueAcrossShardsAndFactories() throws Exception {
        List<Payment> made = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Payment p = new Payment(500 + i, "identity-" + i);
            (i % 2 == 0 ? emfA : emfB).inTransaction(s -> s.persist(p));
            made.add(p);
        }
        Set<Long> ids = new HashSet<>();
        made.forEach(p -> ids.add(p.getId()));
        assertThat(ids).hasSize(16);
        made.sort(Comparator.comparing(Payment::getId));
        assertThat(cluster.primaryRows("select id, customer_id, reference from orm_payments"))
                .isEqualTo(made.stream()
                        .map(p -> row(p.getId(), p.getCustomerId(), p.getReference()))
                        .toList());
        cluster.assertPlacement("orm_payments", "customer_id", "id");
        Payment again = emfB.fromTransaction(
                s -> s.createSelectionQuery("from Payment p where p.customerId = :c", Payment.class)
                        .setParameter("c", 507L)
                        .getSingleResult());
        assertThat(again.getId())
                .isEqualTo(made.stream()
                        .filter(p -> p.getCustomerId() == 507)
                        .findFirst()
                        .orElseThrow()
                        .getId());
        // Ordered by the identity column across every shard (pgjdbc types it "bigserial"), paged.
        List<Payment> page = emfB.fromTransaction(s -> s.createSelectionQuery(
                        "from Payment p where p.reference like 'identity-%' order by p.id desc", Payment.class)
                .setFirstResult(3)
                .setMaxResults(6)
                .getResultList());
        List<List<String>> byIdDesc = new ArrayList<>(made.stream()
                .map(p -> row(p.getId(), p.getCustomerId(), p.getReference()))
                .toList());
        Collections.reverse(byIdDesc);
        assertThat(page.stream()
                        .map(p -> row(p.getId(), p.getCustomerId(), p.getReference()))
                        .toList())
                .isEqualTo(byIdDesc.subList(3, 9));
    }

    @Test
    @Order(10)
    void aRejectedStatementKeepsThePooledConnection() throws Exception {
        emfA.inTransaction(s -> s.find(Customer.class, -1L));
        int before = poolA.getHikariPoolMXBean().getTotalConnections();
        assertThat(before).isPositive();
        // A keyless DELETE of a sharded table: refused with Strata's own SQLState family (SR), which no
        // pool takes for a broken connection (HikariCP evicts on 0A000, 08xxx, 57P0x).
        GenericJDBCException refused = catchThrowableOfType(
                GenericJDBCException.class,
                () -> emfA.inTransaction(
                        s -> s.createNativeMutationQuery("delete from orm_customers where name = 'nobody'")
                                .executeUpdate()));
        assertThat(poolA.getHikariPoolMXBean().getTotalConnections())
                .as("connections in the pool after a refused statement")
                .isEqualTo(before);
        assertThat(refused.getSQLState()).startsWith("SR");
        assertThat(customerRows("name = 'nobody'")).isEmpty();
    }

    @Test
    @Order(11)
    void joinsOfEntitiesShardedByTheSameKeyValue() throws Exception {
        List<Customer> customers = new ArrayList<>();
        emfA.inTransaction(s -> {
            for (int i = 0; i < 6; i++) {
                Customer c = new Customer("join-" + i, null);
                s.persist(c);
                customers.add(c);
            }
        });
        // Orders sharded by customer_id sit with their customer (sharded by id): the join is local.
        emfB.inTransaction(s -> {
            for (Customer c : customers) {
                for (int n = 0; n < 3; n++) {
                    s.persist(new PurchaseOrder(c.getId(), "join", new BigDecimal(n * 3 + c.getId() % 5 + ".75")));
                }
            }
        });
        cluster.assertPlacement("orm_orders", "customer_id", "id");
        String sql = "select c.id, c.name, o.id, o.total from orm_orders o join orm_customers c on c.id = o.customer_id"
                + " where c.name like 'join-%'";
        List<List<String>> all = new ArrayList<>();
        cluster.rowsByShard(sql).values().forEach(all::addAll);
        assertThat(all).hasSize(18);

        long one = customers.get(2).getId();
        List<Object[]> keyed = emfA.fromTransaction(s -> s.createSelectionQuery(
                        "select c.id, c.name, o.id, o.total from PurchaseOrder o join Customer c on c.id = o.customerId"
                                + " where c.id = :id order by o.id",
                        Object[].class)
                .setParameter("id", one)
                .getResultList());
        assertThat(keyed.stream().map(r -> row(r)).toList())
                .isEqualTo(all.stream()
                        .filter(r -> r.get(0).equals(String.valueOf(one)))
                        .sorted(Comparator.comparing((List<String> r) -> Long.parseLong(r.get(2))))
                        .toList());

        List<Object[]> scattered = emfA.fromTransaction(s -> s.createSelectionQuery(
                        "select c.id, c.name, o.id, o.total from PurchaseOrder o join Customer c on c.id = o.customerId"
                                + " where c.name like 'join-%' order by o.total desc, o.id",
                        Object[].class)
                .setFirstResult(4)
                .setMaxResults(10)
                .getResultList());
        assertThat(scattered.stream().map(r -> row(r)).toList())
                .isEqualTo(all.stream()
                        .sorted(Comparator.comparing((List<String> r) -> new BigDecimal(r.get(3)))
                                .reversed()
                                .thenComparing(r -> Long.parseLong(r.get(2))))
                        .skip(4)
                        .limit(10)
                        .toList());
    }
}
