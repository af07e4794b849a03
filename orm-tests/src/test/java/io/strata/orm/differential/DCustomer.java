package io.strata.orm.differential;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hibernate.annotations.BatchSize;

/** Sharded by its (assigned) id; tags in an element collection and orders in a batch-fetched one-to-many. */
@Entity
@Table(name = "orm_d_customers")
public class DCustomer implements Differential.Rowable {

    @Id
    private Long id;

    @Version
    private int version;

    @Column(nullable = false)
    private String name;

    private String city;

    private int tier;

    @Column(precision = 12, scale = 2)
    private BigDecimal balance;

    private LocalDate signup;

    @ElementCollection
    @CollectionTable(name = "orm_d_customer_tags", joinColumns = @JoinColumn(name = "customer_id"))
    @Column(name = "tag")
    @BatchSize(size = 16)
    private Set<String> tags = new TreeSet<>();

    @OneToMany(mappedBy = "customer")
    @BatchSize(size = 16)
    private List<DOrder> orders = new ArrayList<>();

    protected DCustomer() {}

    public DCustomer(long id, String name, String city, int tier, BigDecimal balance, LocalDate signup) {
        this.id = id;
        this.name = name;
        this.city = city;
        this.tier = tier;
        this.balance = balance;
        this.signup = signup;
    }

    public Long getId() {
        return id;
    }

    public int getVersion() {
        return version;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getCity() {
        return city;
    }

    public int getTier() {
        return tier;
    }

    public void setTier(int tier) {
        this.tier = tier;
    }

    public BigDecimal getBalance() {
        return balance;
    }

    public LocalDate getSignup() {
        return signup;
    }

    public Set<String> getTags() {
        return tags;
    }

    public List<DOrder> getOrders() {
        return orders;
    }

    @Override
    public String describe() {
        return "DCustomer[" + id + ",v" + version + "," + name + "," + city + "," + tier + "," + balance + "," + signup
                + "]";
    }

    /** With the collections (which must be initialized). */
    public String describeDeep() {
        return describe()
                + new TreeSet<>(tags)
                + orders.stream().map(DOrder::describe).sorted().toList();
    }
}
