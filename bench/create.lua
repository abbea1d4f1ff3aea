-- Single creates, one record per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"first_name": "Bench", "last_name": "Create", "email": "bench.create@bench.example", "job_title": "Engineer", "city": "Berlin"}'
