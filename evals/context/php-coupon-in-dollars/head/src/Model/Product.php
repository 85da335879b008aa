<?php

declare(strict_types=1);

namespace Acme\Checkout\Model;

final class Product
{
    public function __construct(
        public readonly int $id,
        public readonly string $name,
        public readonly int $priceCents,
    ) {
    }
}
