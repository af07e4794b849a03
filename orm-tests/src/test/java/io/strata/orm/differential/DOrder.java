package io.strata.orm.differential;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.LocalDate;

/** Sharded by {@code customer_id}, co-located with its customer; assigned ids. */
@Entity
@Table(name = "orm_d_orders")
public class DOrder implements Differential.Rowable {

    @Id
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "customer_id", nullable = false)
    private DCustomer customer;

    @Column(nullable = false)
    private String status;

    @Column(precision = 12, scale = 2, nullable = false)
    private BigDecimal total;

    private LocalDate placed;

    protected DOrder() {}

    public DOrder(long id, DCustomer customer, String status, BigDecimal total, LocalDate placed) {
        this.id = id;
        this.customer = customer;
        this.status = status;
        this.total = total;
        this.placed = placed;
    }

    public Long getId() {
        return id;
    }

    public DCustomer getCustomer() {
        return customer;
    }

    public String getStatus() {
        return status;
    }

    public BigDecimal getTotal() {
        return total;
    }

    public LocalDate getPlaced() {
        return placed;
    }

    @Override
    public String describe() {
        return "DOrder[" + id + "," + status + "," + total + "," + placed + "]";
    }
}
