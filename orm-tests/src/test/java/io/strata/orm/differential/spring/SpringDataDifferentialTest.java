package io.strata.orm.differential.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.orm.OrmTopology;
import io.strata.orm.StrataCluster;
import io.strata.testkit.PgTopology;
import jakarta.persistence.EntityManagerFactory;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Slice;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Spring Data JPA 3.5 repository calls run twice: on {@code jdbc:strata:} over 4 shards and on one
 * plain PostgreSQL database with the same rows, each answer compared value by value (pages with
 * their totals, slices with {@code hasNext}, projections, specifications, native queries,
 * modifying queries).
 */
@ExtendWith(OrmTopology.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class SpringDataDifferentialTest {

    /** The application's JPA configuration. */
    @Configuration
    @EnableTransactionManagement
    @EnableJpaRepositories(basePackageClasses = ItemRepository.class)
    static class JpaConfig {

        @Bean
        LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource) {
            LocalContainerEntityManagerFactoryBean f = new LocalContainerEntityManagerFactoryBean();
            f.setDataSource(dataSource);
            f.setPackagesToScan(Item.class.getPackageName());
            f.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
            f.setJpaPropertyMap(Map.of("hibernate.jdbc.batch_size", "20", "hibernate.order_inserts", "true"));
            return f;
        }

        @Bean
        JpaTransactionManager transactionManager(EntityManagerFactory emf) {
            return new JpaTransactionManager(emf);
        }
    }

    static final String SCHEMA = "create table orm_ds_items (id bigint primary key, version bigint not null,"
            + " shop_id bigint not null, name varchar(40) not null, category varchar(20),"
            + " price numeric(10, 2) not null, listed date)";

    private StrataCluster cluster;
    private AnnotationConfigApplicationContext strataContext;
    private AnnotationConfigApplicationContext plainContext;
    private ItemRepository strata;
    private ItemRepository plain;
    private final io.strata.orm.differential.DifferentialAccess diff =
            new io.strata.orm.differential.DifferentialAccess();

    @BeforeAll
    void setUp(PgTopology topology) throws Exception {
        cluster = StrataCluster.start(
                topology,
                "  orm_ds_items: { sharded: shop_id, type: bigint }\n",
                "",
                "drop table if exists orm_ds_items");
        cluster.execute(SCHEMA);
        PGSimpleDataSource p = new PGSimpleDataSource();
        p.setURL(io.strata.orm.differential.DifferentialAccess.plainDatabase(topology, "orm_plain_spring"));
        p.setUser(topology.shard(0).primary().user());
        try (Connection c = p.getConnection();
                Statement st = c.createStatement()) {
            st.execute(SCHEMA);
        }
        strataContext = context(cluster.pool("spring-diff"));
        plainContext = context(p);
        strata = strataContext.getBean(ItemRepository.class);
        plain = plainContext.getBean(ItemRepository.class);
        String[] categories = {"tools", "books", null, "garden", "Books", "toys"};
        List<Item> items = new ArrayList<>();
        for (long i = 1; i <= 90; i++) {
            items.add(new Item(
                    i,
                    (i * 7) % 13 + 1,
                    (i % 4 == 0 ? "Big " : "small ") + "item-" + (i * 17) % 31,
                    categories[(int) (i % categories.length)],
                    new BigDecimal((i * 29) % 40 + "." + (i % 2) * 5 + "0"),
                    i % 7 == 0 ? null : LocalDate.of(2025, 1, 1).plusDays(i)));
        }
        strata.saveAll(items);
        plain.saveAll(items);
    }

    private static AnnotationConfigApplicationContext context(DataSource ds) {
        AnnotationConfigApplicationContext c = new AnnotationConfigApplicationContext();
        c.registerBean("dataSource", DataSource.class, () -> ds);
        c.register(JpaConfig.class);
        c.refresh();
        return c;
    }

    @AfterAll
    void tearDown() throws SQLException {
        System.out.printf(
                "SpringDataDifferentialTest: %d calls answered the same, %d refused: %s%n",
                diff.same(), diff.refused(), diff.refusals());
        for (AnnotationConfigApplicationContext c :
                new AnnotationConfigApplicationContext[] {strataContext, plainContext}) {
            if (c != null) {
                c.close();
            }
        }
        cluster.close();
    }

    private void write(String label, Function<ItemRepository, ?> call) {
        diff.checkWrite(label, () -> describe(call.apply(strata)), () -> describe(call.apply(plain)));
    }

    private void same(String label, Function<ItemRepository, ?> call) {
        diff.check(label, () -> describe(call.apply(strata)), () -> describe(call.apply(plain)));
    }

    private static Object describe(Object result) {
        if (result instanceof Page<?> page) {
            return List.of(
                    "total=" + page.getTotalElements() + " pages=" + page.getTotalPages() + " next=" + page.hasNext(),
                    describe(page.getContent()));
        }
        if (result instanceof Slice<?> slice) {
            return List.of(
                    "next=" + slice.hasNext() + " size=" + slice.getNumberOfElements(), describe(slice.getContent()));
        }
        if (result instanceof List<?> list) {
            return list.stream().map(SpringDataDifferentialTest::describeOne).toList();
        }
        return describeOne(result);
    }

    private static String describeOne(Object o) {
        if (o instanceof Item i) {
            return i.describe();
        }
        if (o instanceof ItemRepository.NameAndPrice n) {
            return n.getName() + "/" + n.getPrice();
        }
        if (o instanceof ItemRepository.CategoryTotal t) {
            return t.getCategory() + "/" + t.getItems() + "/" + t.getTotal();
        }
        return o + ":" + (o == null ? "" : o.getClass().getSimpleName());
    }

    @Test
    void a_reads() {
        Sort multi = Sort.by(Sort.Order.desc("price"), Sort.Order.asc("name"), Sort.Order.asc("id"));
        for (int page = 0; page < 4; page++) {
            int n = page;
            same(
                    "page " + page + " multi-column sort",
                    r -> r.findByCategoryIn(List.of("tools", "books", "toys"), PageRequest.of(n, 7, multi)));
            same("findAll page " + page, r -> r.findAll(PageRequest.of(n, 25, Sort.by("listed", "id"))));
        }
        // (Sort.Order.nullsFirst() is refused by Hibernate itself: "not yet supported" with Criteria.)
        same("slice", r -> r.findByPriceLessThan(new BigDecimal("20"), PageRequest.of(2, 6, Sort.by("price", "id"))));
        same(
                "last slice",
                r -> r.findByPriceLessThan(new BigDecimal("20"), PageRequest.of(7, 6, Sort.by("price", "id"))));
        same("top3", r -> r.findTop3ByCategoryOrderByPriceDescIdAsc("tools"));
        same("projection", r -> r.findByShopIdInOrderByNameAscIdAsc(List.of(1L, 4L, 9L, 12L)));
        same("exists", r -> List.of(r.existsByShopIdAndCategory(3, "books"), r.existsByShopIdAndCategory(3, "nope")));
        same("count is null", r -> r.countByCategoryIsNull());
        same("count distinct by key", r -> r.countDistinctCategoryByShopId(5));
        same("ignore case containing", r -> r.findByNameContainingIgnoreCaseOrderById("BIG ITEM-1"));
        same("aggregate projection", ItemRepository::totals);
        same("native any array", r -> r.nativeByShops(new Long[] {2L, 3L, 11L}, new BigDecimal("10")));
        same("native page", r -> r.nativePage("garden", PageRequest.of(1, 4, Sort.by("price", "id"))));
        Specification<Item> cheapTools = (root, q, cb) -> cb.and(
                cb.lessThan(root.get("price"), new BigDecimal("30")),
                cb.or(cb.equal(root.get("category"), "tools"), cb.isNull(root.get("category"))));
        Specification<Item> inShops = (root, q, cb) -> root.get("shopId").in(2L, 6L, 8L, 13L);
        same("specification page", r -> r.findAll(cheapTools, PageRequest.of(1, 5, multi)));
        same("specification and key", r -> r.findAll(cheapTools.and(inShops), Sort.by("id")));
        same("specification count", r -> r.count(cheapTools.or(inShops)));
        same("specification exists", r -> r.exists(inShops));
        same(
                "findAllById",
                r -> r.findAllById(List.of(3L, 44L, 71L, 90L)).stream()
                        .map(Item::describe)
                        .sorted()
                        .toList());
        diff.assertNoDifferences();
    }

    @Test
    void b_writes() {
        write("modifying", r -> r.raisePrices(List.of(1L, 5L, 9L)));
        write("deleteBy", r -> r.deleteByShopIdAndCategory(4, "tools"));
        same("after writes", r -> r.findAll(Sort.by("id")));
        diff.assertNoDifferences();
        assertThat(diff.same()).isGreaterThan(20);
    }
}
