<?php

declare(strict_types=1);

namespace Acme\Checkout\Pricing;

final class Coupon
{
    public function __construct(public readonly string $code, private int $offCents, private int $minimumCents)
    {
    }

    /** The total after the coupon; takes and returns cents. Below the minimum the total is unchanged. */
    public function apply(int $totalCents): int
    {
        if ($totalCents < $this->minimumCents) {
            return $totalCents;
        }
        return max(0, $totalCents - $this->offCents);
    }
}
