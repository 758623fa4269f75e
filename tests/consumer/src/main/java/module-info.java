module org.example.consumer {
    requires org.jgrad;
}
