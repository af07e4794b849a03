package io.strata.orm.differential;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/** Sharded by a sequence id (pooled optimizer, allocation 20; the sequence declared global on Strata). */
@Entity
@Table(name = "orm_d_events")
public class DEvent {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "events")
    @SequenceGenerator(name = "events", sequenceName = "orm_d_events_seq", allocationSize = 20)
    private Long id;

    private String name;

    protected DEvent() {}

    public DEvent(String name) {
        this.name = name;
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }
}
