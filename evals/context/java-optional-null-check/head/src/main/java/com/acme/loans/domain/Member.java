package com.acme.loans.domain;

public class Member {
    private final long id;
    private final String name;
    private final int maxLoans;
    private boolean suspended;

    public Member(long id, String name, int maxLoans) {
        this.id = id;
        this.name = name;
        this.maxLoans = maxLoans;
    }

    public long getId() { return id; }
    public String getName() { return name; }
    public int getMaxLoans() { return maxLoans; }
    public boolean isSuspended() { return suspended; }
    public void suspend() { suspended = true; }
}
