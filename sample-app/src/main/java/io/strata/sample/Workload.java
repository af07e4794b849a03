package io.strata.sample;

import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyToken;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The shop's mixed workload. Each thread serves its own customers (so what a session wrote is
 * known exactly) and picks, per operation:
 *
 * <pre>
 *  30%   view a product           products cache (refresh-ahead) + view counter (write-behind)
 *  15%   add to cart              carts cache (write-behind)
 *  10%   place an order           INSERT on the customer's shard; the token gets its commit LSN
 *  15%   count my orders          READ_YOUR_WRITES on a replica that has the token: checked
 *   5%   count my orders          STRONG (primary): checked
 *  10%   read my profile          profiles cache (write-through): checked
 *   5%   update my profile        write-through
 *   5%   recent orders            bounded staleness 1 s
 *   3%   read my cart             checked against the last acknowledged cart
 *   1.5% sales report             scatter-gather over every shard, GROUP BY merged
 *   0.5% reprice a product        broadcast UPDATE (two-phase commit) + cluster-wide invalidation
 * </pre>
 *
 * Products are picked with a popularity skew (see {@link #popularProduct}). Every acknowledged write is reported to an acknowledgement sink (a member process prints them so
 * that a test can check PostgreSQL after killing it).
 */
final class Workload {

    private static final Consistency RECENT = Consistency.boundedStaleness(Duration.ofSeconds(1));

    private final Shop shop;
    private final List<Long> customers;
    private final int products;
    private final int threads;
    private final WorkloadStats stats;
    private final Consumer<String> acknowledgements;
    private final List<Thread> running = new ArrayList<>();
    private volatile long deadlineNanos;

    Workload(
            Shop shop,
            List<Long> customers,
            int products,
            int threads,
            WorkloadStats stats,
            Consumer<String> acknowledgements) {
        if (customers.size() < threads) {
            throw new IllegalArgumentException(
                    "threads must be at most the customers served (" + customers.size() + ") but was " + threads);
        }
        this.shop = shop;
        this.customers = customers;
        this.products = products;
        this.threads = threads;
        this.stats = stats;
        this.acknowledgements = acknowledgements;
    }

    /** Starts the threads; they stop after {@code duration}. */
    void start(Duration duration) {
        deadlineNanos = System.nanoTime() + duration.toNanos();
        for (int t = 0; t < threads; t++) {
            List<CustomerSession> sessions = new ArrayList<>();
            for (int i = t; i < customers.size(); i += threads) {
                sessions.add(new CustomerSession(customers.get(i)));
            }
            Thread thread = new Thread(
                    () -> loop(sessions, new SplittableRandom(sessions.get(0).customerId)), "shop-workload-" + t);
            thread.setDaemon(true);
            running.add(thread);
            thread.start();
        }
    }

    /** Stops early (the threads finish their current operation). */
    void stop() {
        deadlineNanos = System.nanoTime();
    }

    /** Waits for every thread to finish. */
    void await() throws InterruptedException {
        for (Thread t : running) {
            t.join();
        }
    }

    private void loop(List<CustomerSession> sessions, SplittableRandom random) {
        while (System.nanoTime() - deadlineNanos < 0) {
            CustomerSession session = sessions.get(random.nextInt(sessions.size()));
            int dice = random.nextInt(1000);
            String operation = operation(dice);
            long start = System.nanoTime();
            try {
                run(operation, session, random);
                stats.record(operation, System.nanoTime() - start);
            } catch (Exception e) {
                stats.error(operation, e);
            }
        }
    }

    private static String operation(int dice) {
        if (dice < 300) {
            return "view-product";
        } else if (dice < 450) {
            return "add-to-cart";
        } else if (dice < 550) {
            return "place-order";
        } else if (dice < 700) {
            return "my-orders-ryw";
        } else if (dice < 750) {
            return "my-orders-strong";
        } else if (dice < 850) {
            return "read-profile";
        } else if (dice < 900) {
            return "update-profile";
        } else if (dice < 950) {
            return "recent-orders";
        } else if (dice < 980) {
            return "read-cart";
        } else if (dice < 995) {
            return "sales-report";
        }
        return "reprice";
    }

    private void run(String operation, CustomerSession s, SplittableRandom random) throws Exception {
        long product = popularProduct(random);
        switch (operation) {
            case "view-product" -> {
                if (shop.viewProduct(product) == null) {
                    throw new IllegalStateException("product " + product + " not found");
                }
            }
            case "add-to-cart" -> {
                Cart cart = shop.addToCart(s.customerId, product);
                s.cartRevision = cart.revision();
                acknowledge("cart " + s.customerId + " " + cart.revision());
            }
            case "place-order" -> {
                long orderId = shop.nextOrderId();
                ordersBefore(s);
                s.token(shop.placeOrder(orderId, s.customerId, product, 1 + random.nextInt(3), s.token()));
                s.ordersPlaced++;
                acknowledge("order " + s.customerId + " " + orderId);
            }
            case "my-orders-ryw" -> checkOrders(s, Consistency.READ_YOUR_WRITES);
            case "my-orders-strong" -> checkOrders(s, Consistency.STRONG);
            case "read-profile" -> {
                Profile p = shop.profile(s.customerId);
                long seen = p == null ? 0 : p.revision();
                stats.checked(
                        seen < s.profileRevision,
                        "profile of customer " + s.customerId + ": revision " + seen + " after writing "
                                + s.profileRevision);
            }
            case "update-profile" -> {
                Profile current = shop.profile(s.customerId);
                Profile next = shop.updateProfile(s.customerId, current);
                s.profileRevision = next.revision();
                acknowledge("profile " + s.customerId + " " + next.revision());
            }
            case "recent-orders" -> shop.recentOrders(s.customerId, RECENT);
            case "read-cart" -> {
                Cart cart = shop.cart(s.customerId);
                long seen = cart == null ? 0 : cart.revision();
                stats.checked(
                        seen < s.cartRevision,
                        "cart of customer " + s.customerId + ": revision " + seen + " after writing " + s.cartRevision);
            }
            case "sales-report" -> shop.salesReport(5);
            case "reprice" -> shop.reprice(product, 100 + random.nextInt(9_900));
            default -> throw new IllegalArgumentException(operation);
        }
    }

    /**
     * A product id with a shop's skew: P(id <= k) = ln(k + 1) / ln(products + 1), so a few products
     * are read all the time and a long tail now and then. At any rate of operations some products are
     * read often enough to stay in Caffeine, some often enough to stay in Hazelcast, and some so
     * rarely that only Redis still has them.
     */
    private long popularProduct(SplittableRandom random) {
        return Math.min(products, (long) Math.pow(products + 1, random.nextDouble()));
    }

    private void ordersBefore(CustomerSession s) throws Exception {
        if (s.ordersBefore < 0) {
            s.ordersBefore = shop.orderCount(s.customerId, Consistency.STRONG, s.token());
        }
    }

    private void checkOrders(CustomerSession s, Consistency consistency) throws Exception {
        ordersBefore(s);
        ConsistencyToken token = s.token();
        long seen = shop.orderCount(s.customerId, consistency, token);
        long expected = s.ordersBefore + s.ordersPlaced;
        stats.checked(
                seen < expected,
                consistency + " read of customer " + s.customerId + "'s orders saw " + seen + ", expected at least "
                        + expected + " (token " + token + ")");
    }

    private void acknowledge(String write) {
        stats.acknowledged();
        acknowledgements.accept(write);
    }
}
