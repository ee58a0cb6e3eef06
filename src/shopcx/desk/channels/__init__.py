"""The buyer's ways in to the desk: the public complaint form and the ticket status page (signed link), e-mail in,
the signed webhook, and the review-care case or survey answer a ticket takes over. Each ends in
`service.tickets.create_ticket` / `add_message`, so SLA clocks, assignment and history are the same for all."""
