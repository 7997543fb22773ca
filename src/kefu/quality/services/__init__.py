"""Every write of quality inspection, one module per topic: rubrics (versions, items), rules,
inspection (automatic, batch, re-inspection) and the knowledge base's phrase lists."""
