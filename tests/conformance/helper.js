const helperValue = 42;
