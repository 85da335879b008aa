<?php

declare(strict_types=1);

namespace Acme\Checkout\Cart;

use Acme\Checkout\Model\Product;

final class Cart
{
    /** @var array<int, CartItem> */
    private array $items = [];

    public function add(Product $product, int $quantity): void
    {
        if (isset($this->items[$product->id])) {
            $this->items[$product->id]->quantity += $quantity;
            return;
        }
        $this->items[$product->id] = new CartItem($product, $quantity);
    }

    /** The cart's total in cents. */
    public function total(): int
    {
        return array_sum(array_map(fn (CartItem $item) => $item->subtotalCents(), $this->items));
    }
}
