package com.acme.loans.util;

public final class Isbn {
    private Isbn() {}

    /** Strips hyphens and spaces and turns an ISBN-10 into its ISBN-13; null when it is neither. */
    public static String normalize(String raw) {
        String digits = raw.replace("-", "").replace(" ", "");
        if (digits.matches("\\d{9}[\\dX]")) {
            String body = "978" + digits.substring(0, 9);
            int sum = 0;
            for (int i = 0; i < 12; i++) {
                sum += (body.charAt(i) - '0') * (i % 2 == 0 ? 1 : 3);
            }
            return body + ((10 - sum % 10) % 10);
        }
        return digits.matches("\\d{13}") ? digits : null;
    }
}
