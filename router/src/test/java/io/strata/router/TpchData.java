package io.strata.router;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small, deterministic TPC-H data set (written here from the specification's value domains, not
 * a TPC kit): 5 regions, 25 nations, 20 suppliers, 120 parts, 480 partsupp rows, 300 customers of
 * which every third has no order, about 1,000 orders and 4,000 lineitems. {@code lineitem} carries
 * its order's customer key ({@code l_custkey}) so it can be sharded with orders and customers.
 */
final class TpchData {

    static final String[] SCHEMA = {
        "create table region (r_regionkey integer primary key, r_name char(25) not null, r_comment varchar(152))",
        "create table nation (n_nationkey integer primary key, n_name char(25) not null, n_regionkey integer not null,"
                + " n_comment varchar(152))",
        "create table supplier (s_suppkey integer primary key, s_name char(25) not null, s_address varchar(40) not"
                + " null, s_nationkey integer not null, s_phone char(15) not null, s_acctbal decimal(15,2) not null,"
                + " s_comment varchar(101) not null)",
        "create table part (p_partkey integer primary key, p_name varchar(55) not null, p_mfgr char(25) not null,"
                + " p_brand char(10) not null, p_type varchar(25) not null, p_size integer not null,"
                + " p_container char(10) not null, p_retailprice decimal(15,2) not null, p_comment varchar(23) not null)",
        "create table partsupp (ps_partkey integer not null, ps_suppkey integer not null, ps_availqty integer not"
                + " null, ps_supplycost decimal(15,2) not null, ps_comment varchar(199) not null,"
                + " primary key (ps_partkey, ps_suppkey))",
        "create table customer (c_custkey integer primary key, c_name varchar(25) not null, c_address varchar(40)"
                + " not null, c_nationkey integer not null, c_phone char(15) not null, c_acctbal decimal(15,2) not"
                + " null, c_mktsegment char(10) not null, c_comment varchar(117) not null)",
        "create table orders (o_orderkey integer not null, o_custkey integer not null, o_orderstatus char(1) not"
                + " null, o_totalprice decimal(15,2) not null, o_orderdate date not null, o_orderpriority char(15)"
                + " not null, o_clerk char(15) not null, o_shippriority integer not null, o_comment varchar(79) not"
                + " null, primary key (o_custkey, o_orderkey))",
        "create table lineitem (l_orderkey integer not null, l_custkey integer not null, l_partkey integer not null,"
                + " l_suppkey integer not null, l_linenumber integer not null, l_quantity decimal(15,2) not null,"
                + " l_extendedprice decimal(15,2) not null, l_discount decimal(15,2) not null, l_tax decimal(15,2)"
                + " not null, l_returnflag char(1) not null, l_linestatus char(1) not null, l_shipdate date not null,"
                + " l_commitdate date not null, l_receiptdate date not null, l_shipinstruct char(25) not null,"
                + " l_shipmode char(10) not null, l_comment varchar(44) not null,"
                + " primary key (l_custkey, l_orderkey, l_linenumber))",
    };

    static final String[] TABLES = {"lineitem", "orders", "customer", "partsupp", "part", "supplier", "nation", "region"
    };

    private static final String[] REGIONS = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
    private static final Object[][] NATIONS = {
        {"ALGERIA", 0},
        {"ARGENTINA", 1},
        {"BRAZIL", 1},
        {"CANADA", 1},
        {"EGYPT", 4},
        {"ETHIOPIA", 0},
        {"FRANCE", 3},
        {"GERMANY", 3},
        {"INDIA", 2},
        {"INDONESIA", 2},
        {"IRAN", 4},
        {"IRAQ", 4},
        {"JAPAN", 2},
        {"JORDAN", 4},
        {"KENYA", 0},
        {"MOROCCO", 0},
        {"MOZAMBIQUE", 0},
        {"PERU", 1},
        {"CHINA", 2},
        {"ROMANIA", 3},
        {"SAUDI ARABIA", 4},
        {"VIETNAM", 2},
        {"RUSSIA", 3},
        {"UNITED KINGDOM", 3},
        {"UNITED STATES", 1}
    };
    private static final String[] COLORS = {
        "almond",
        "antique",
        "aquamarine",
        "azure",
        "beige",
        "bisque",
        "black",
        "blue",
        "forest",
        "green",
        "khaki",
        "lace",
        "lavender",
        "lemon",
        "linen",
        "navy",
        "olive",
        "orange",
        "pink",
        "puff",
        "red",
        "rose"
    };
    private static final String[] TYPE1 = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
    private static final String[] TYPE2 = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
    private static final String[] TYPE3 = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
    private static final String[] CONT1 = {"SM", "LG", "MED", "JUMBO", "WRAP"};
    private static final String[] CONT2 = {"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"};
    private static final String[] SEGMENTS = {"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"};
    private static final String[] PRIORITIES = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"};
    private static final String[] MODES = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};
    private static final String[] INSTRUCT = {"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"};
    private static final String[] WORDS = {
        "furiously", "quickly", "carefully", "blithely", "slyly", "ironic", "final", "pending", "regular",
        "express", "deposits", "packages", "accounts", "requests", "theodolites", "pinto", "beans", "foxes"
    };
    private static final LocalDate START = LocalDate.of(1992, 1, 1);
    private static final LocalDate CURRENT = LocalDate.of(1995, 6, 17);

    private TpchData() {}

    static void create(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String ddl : SCHEMA) {
                st.execute(ddl);
            }
        }
    }

    static void drop(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String t : TABLES) {
                st.execute("drop table if exists " + t);
            }
        }
    }

    /** Loads the same rows into every connection given. */
    static void load(List<Connection> connections) throws SQLException {
        Random r = new Random(17_2026);
        List<Object[]> region = new ArrayList<>();
        for (int i = 0; i < REGIONS.length; i++) {
            region.add(new Object[] {i, REGIONS[i], comment(r, 6)});
        }
        List<Object[]> nation = new ArrayList<>();
        for (int i = 0; i < NATIONS.length; i++) {
            nation.add(new Object[] {i, NATIONS[i][0], NATIONS[i][1], comment(r, 6)});
        }
        int suppliers = 20;
        List<Object[]> supplier = new ArrayList<>();
        for (int s = 1; s <= suppliers; s++) {
            int n = s % 5 == 0 ? 20 : s % 7 == 0 ? 3 : s % 4 == 1 ? 7 : r.nextInt(25); // Q21, Q20, Q2/Q11
            String comment = s % 7 == 3 ? "blithely Customer slyly Complaints above" : comment(r, 5);
            supplier.add(new Object[] {
                s,
                String.format("Supplier#%09d", s),
                "addr" + r.nextInt(1000),
                n,
                phone(r, n),
                money(r, -99_999, 999_999),
                comment
            });
        }
        int parts = 120;
        List<Object[]> part = new ArrayList<>();
        BigDecimal[] retail = new BigDecimal[parts + 1];
        for (int p = 1; p <= parts; p++) {
            StringBuilder name = new StringBuilder();
            for (int k = 0; k < 5; k++) {
                name.append(k == 0 ? "" : " ").append(COLORS[r.nextInt(COLORS.length)]);
            }
            int m = 1 + r.nextInt(5);
            if (p % 9 == 0) {
                name.replace(0, name.indexOf(" "), "forest"); // Q20
            }
            retail[p] = BigDecimal.valueOf(90_000 + (p / 10) % 20_001 + 100 * (p % 1_000), 2);
            part.add(new Object[] {
                p,
                name.toString(),
                "Manufacturer#" + m,
                p % 6 == 0 ? "Brand#23" : "Brand#" + m + (1 + r.nextInt(5)), // Q17
                p % 10 == 0
                        ? "ECONOMY ANODIZED STEEL" // Q8
                        : TYPE1[r.nextInt(6)] + " " + TYPE2[r.nextInt(5)] + " "
                                + (p % 8 == 3 ? "BRASS" : TYPE3[r.nextInt(5)]),
                p % 8 == 3 ? 15 : 1 + r.nextInt(50), // Q2
                p % 6 == 0 ? "MED BOX" : CONT1[r.nextInt(5)] + " " + CONT2[r.nextInt(8)], // Q17
                retail[p],
                comment(r, 2)
            });
        }
        List<Object[]> partsupp = new ArrayList<>();
        for (int p = 1; p <= parts; p++) {
            for (int i = 0; i < 4; i++) {
                int s = (p + i * (suppliers / 4)) % suppliers + 1;
                partsupp.add(new Object[] {p, s, 1 + r.nextInt(9999), money(r, 100, 100_000), comment(r, 8)});
            }
        }
        int customers = 300;
        List<Object[]> customer = new ArrayList<>();
        for (int c = 1; c <= customers; c++) {
            int n = r.nextInt(25);
            customer.add(new Object[] {
                c,
                String.format("Customer#%09d", c),
                "addr" + r.nextInt(1000),
                n,
                phone(r, n),
                money(r, -99_999, 999_999),
                SEGMENTS[r.nextInt(5)],
                comment(r, 6)
            });
        }
        List<Object[]> orders = new ArrayList<>();
        List<Object[]> lineitem = new ArrayList<>();
        int orderKey = 0;
        for (int o = 0; o < 1000; o++) {
            orderKey += 1 + r.nextInt(3);
            int cust;
            do {
                cust = 1 + r.nextInt(customers);
            } while (cust % 3 == 0);
            LocalDate orderDate = START.plusDays(r.nextInt(2_406 - 151));
            boolean big = o % 40 == 7; // Q18: sum(l_quantity) > 300
            int lines = big ? 7 : 1 + r.nextInt(7);
            BigDecimal total = BigDecimal.ZERO;
            int finished = 0;
            for (int l = 1; l <= lines; l++) {
                int p = 1 + r.nextInt(parts);
                int s = (p + r.nextInt(4) * (suppliers / 4)) % suppliers + 1;
                BigDecimal qty = BigDecimal.valueOf(big ? 44 + r.nextInt(7) : 1 + r.nextInt(50));
                BigDecimal price = retail[p].multiply(qty);
                BigDecimal discount = BigDecimal.valueOf(r.nextInt(11), 2);
                BigDecimal tax = BigDecimal.valueOf(r.nextInt(9), 2);
                LocalDate ship = orderDate.plusDays(1 + r.nextInt(121));
                LocalDate commit = orderDate.plusDays(30 + r.nextInt(61));
                LocalDate receipt = ship.plusDays(1 + r.nextInt(30));
                String flag = receipt.isAfter(CURRENT) ? "N" : (r.nextBoolean() ? "R" : "A");
                String status = ship.isAfter(CURRENT) ? "O" : "F";
                finished += status.equals("F") ? 1 : 0;
                total = total.add(price.multiply(BigDecimal.ONE.add(tax)).multiply(BigDecimal.ONE.subtract(discount)));
                lineitem.add(new Object[] {
                    orderKey,
                    cust,
                    p,
                    s,
                    l,
                    qty,
                    price,
                    discount,
                    tax,
                    flag,
                    status,
                    Date.valueOf(ship),
                    Date.valueOf(commit),
                    Date.valueOf(receipt),
                    INSTRUCT[r.nextInt(4)],
                    MODES[r.nextInt(7)],
                    comment(r, 3)
                });
            }
            String orderStatus = finished == lines ? "F" : finished == 0 ? "O" : "P";
            String comment = o % 11 == 5 ? "carefully special pinto requests haggle" : comment(r, 5);
            orders.add(new Object[] {
                orderKey,
                cust,
                orderStatus,
                total.setScale(2, java.math.RoundingMode.HALF_UP),
                Date.valueOf(orderDate),
                PRIORITIES[r.nextInt(5)],
                String.format("Clerk#%09d", 1 + r.nextInt(50)),
                0,
                comment
            });
        }
        for (Connection c : connections) {
            insert(c, "insert into region (r_regionkey, r_name, r_comment) values (?, ?, ?)", region);
            insert(c, "insert into nation (n_nationkey, n_name, n_regionkey, n_comment) values (?, ?, ?, ?)", nation);
            insert(
                    c,
                    "insert into supplier (s_suppkey, s_name, s_address, s_nationkey, s_phone, s_acctbal, s_comment)"
                            + " values (?, ?, ?, ?, ?, ?, ?)",
                    supplier);
            insert(
                    c,
                    "insert into part (p_partkey, p_name, p_mfgr, p_brand, p_type, p_size, p_container,"
                            + " p_retailprice, p_comment) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    part);
            insert(
                    c,
                    "insert into partsupp (ps_partkey, ps_suppkey, ps_availqty, ps_supplycost, ps_comment)"
                            + " values (?, ?, ?, ?, ?)",
                    partsupp);
            insert(
                    c,
                    "insert into customer (c_custkey, c_name, c_address, c_nationkey, c_phone, c_acctbal,"
                            + " c_mktsegment, c_comment) values (?, ?, ?, ?, ?, ?, ?, ?)",
                    customer);
            insert(
                    c,
                    "insert into orders (o_orderkey, o_custkey, o_orderstatus, o_totalprice, o_orderdate,"
                            + " o_orderpriority, o_clerk, o_shippriority, o_comment) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    orders);
            insert(
                    c,
                    "insert into lineitem (l_orderkey, l_custkey, l_partkey, l_suppkey, l_linenumber, l_quantity,"
                            + " l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate,"
                            + " l_commitdate, l_receiptdate, l_shipinstruct, l_shipmode, l_comment)"
                            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    lineitem);
        }
    }

    private static String comment(Random r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private static String phone(Random r, int nation) {
        return (10 + nation) + "-" + (100 + r.nextInt(900)) + "-" + (100 + r.nextInt(900)) + "-"
                + (1000 + r.nextInt(9000));
    }

    private static BigDecimal money(Random r, int fromCents, int toCents) {
        return BigDecimal.valueOf(fromCents + r.nextInt(toCents - fromCents + 1), 2);
    }

    private static void insert(Connection c, String sql, List<Object[]> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int n = 0;
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
                if (++n % 500 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }
}
