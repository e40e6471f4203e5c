// Placeholder: replaced as the module lands.
enum DriftwatchStoreModule {}
