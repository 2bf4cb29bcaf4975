#pragma once
// A doubly linked list threaded through its elements: insertion and removal never
// allocate, so it is safe in the scheduler and in out-of-memory paths.
// An element may sit on one list per IntrusiveListNode member it has.
#include <stddef.h>
#include <stdint.h>

namespace tessera::ktl {

class IntrusiveListNode {
 public:
  constexpr IntrusiveListNode() = default;
  IntrusiveListNode(const IntrusiveListNode&) = delete;
  IntrusiveListNode& operator=(const IntrusiveListNode&) = delete;
  bool is_linked() const { return next_ != nullptr; }

 private:
  template <typename T, IntrusiveListNode T::*> friend class IntrusiveList;
  IntrusiveListNode* next_ = nullptr;
  IntrusiveListNode* prev_ = nullptr;
};

template <typename T, IntrusiveListNode T::*Member> class IntrusiveList {
 public:
  constexpr IntrusiveList() { head_.next_ = head_.prev_ = &head_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const { return head_.next_ == &head_; }
  // Where the head node sits inside the list, for debuggers walking it from outside.
  static constexpr size_t head_offset() { return 0; }
  size_t size() const {
    size_t n = 0;
    for (auto* node = head_.next_; node != &head_; node = node->next_) ++n;
    return n;
  }
  T* front() const { return empty() ? nullptr : owner(head_.next_); }
  T* back() const { return empty() ? nullptr : owner(head_.prev_); }

  void push_back(T& item) { insert_before(&head_, &(item.*Member)); }
  void push_front(T& item) { insert_before(head_.next_, &(item.*Member)); }
  // Keeps the list ordered by `less`; equal elements keep insertion order.
  template <typename Less> void insert_sorted(T& item, Less less) {
    auto* at = head_.next_;
    while (at != &head_ && !less(item, *owner(at))) at = at->next_;
    insert_before(at, &(item.*Member));
  }
  T* pop_front() {
    if (empty()) return nullptr;
    T* item = owner(head_.next_);
    remove(*item);
    return item;
  }
  static void remove(T& item) {
    auto* node = &(item.*Member);
    if (!node->is_linked()) return;
    node->prev_->next_ = node->next_;
    node->next_->prev_ = node->prev_;
    node->next_ = node->prev_ = nullptr;
  }

  class Iterator {
   public:
    Iterator(IntrusiveListNode* node) : node_(node) {}
    T& operator*() const { return *owner(node_); }
    T* operator->() const { return owner(node_); }
    Iterator& operator++() { node_ = node_->next_; return *this; }
    bool operator!=(const Iterator& other) const { return node_ != other.node_; }
   private:
    IntrusiveListNode* node_;
  };
  Iterator begin() const { return Iterator(head_.next_); }
  Iterator end() const { return Iterator(const_cast<IntrusiveListNode*>(&head_)); }

 private:
  static void insert_before(IntrusiveListNode* at, IntrusiveListNode* node) {
    node->next_ = at;
    node->prev_ = at->prev_;
    at->prev_->next_ = node;
    at->prev_ = node;
  }
  static T* owner(IntrusiveListNode* node) {
    // offsetof for a pointer-to-member, measured on a dummy non-null address.
    constexpr uintptr_t dummy = 0x1000;
    auto offset = reinterpret_cast<uintptr_t>(&(reinterpret_cast<T*>(dummy)->*Member)) - dummy;
    return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
  }
  IntrusiveListNode head_;
};

}  // namespace tessera::ktl
