int mieruka_inventory_placeholder = 0;
