<?php

declare(strict_types=1);

namespace Acme\Checkout\Repository;

use Acme\Checkout\Model\Product;
use PDO;

final class ProductRepository
{
    public function __construct(private PDO $pdo)
    {
    }

    /** The product, or null when there is no product with this id. */
    public function find(int $id): ?Product
    {
        $statement = $this->pdo->prepare('SELECT id, name, price_cents FROM products WHERE id = ?');
        $statement->execute([$id]);
        $row = $statement->fetch(PDO::FETCH_ASSOC);
        return $row === false ? null : new Product((int) $row['id'], $row['name'], (int) $row['price_cents']);
    }
}
