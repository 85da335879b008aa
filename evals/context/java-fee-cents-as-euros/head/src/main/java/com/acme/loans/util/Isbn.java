package com.acme.loans.util;

public final class Isbn {
    private Isbn() {}

    /** Strips hyphens and spaces; throws IllegalArgumentException unless 13 digits remain. */
    public static String normalize(String raw) {
        String digits = raw.replace("-", "").replace(" ", "");
        if (!digits.matches("\\d{13}")) {
            throw new IllegalArgumentException("Not an ISBN-13: " + raw);
        }
        return digits;
    }
}
