//! A bug that panics inside a request handler costs that request a 500, not the server.
//!
//! No input can make the server panic (that would be the bug), so the test installs a request
//! hook (`Server::on_request`, a library API the binary never sets) that panics on one program.

mod common;

use common::{TestServer, test_config};
use runner_node::Server;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_answered_500_and_the_server_keeps_serving() {
    let server = Server::bind(test_config())
        .await
        .expect("server starts")
        .on_request(|request| {
            if request.code == "explode()" {
                panic!("the test hook panics");
            }
        });
    let server = TestServer::serve(server);
    for _ in 0..3 {
        let answer = server.post(&json!({"code": "explode()"})).await;
        assert_eq!(answer.status, 500, "{}", answer.body);
        assert_eq!(answer.error_code(), "internal");
        server.assert_still_serves().await;
    }
    assert_eq!(server.get("/ready").await.status, 200);
}
